package io.github.jimengstudio.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Owns tensors and frees their native memory when closed. Two kinds:
 * <ul>
 *   <li>{@link #open()}: a scope on this thread's stack. Every tensor created on this thread while it is the
 *       innermost open scope belongs to it; {@link #keep} hands a result to the enclosing scope (or to the caller,
 *       unowned, when there is none). Use one per layer or step:
 *       <pre>{@code
 * try (TensorScope s = TensorScope.open()) {
 *     Tensor h = x.matmul(w).add(b);
 *     return s.keep(h.silu());
 * }   // every temporary made inside is closed here
 *       }</pre></li>
 *   <li>{@link #detached()}: an owner that is not on the stack, for long-lived tensors such as a model's weights.
 *       Tensors are put into it explicitly ({@link #adopt}, or by the weight loader); the model closes it.</li>
 * </ul>
 * Scopes are not shared between threads: a tensor joins the innermost scope of the thread that creates it.
 */
public final class TensorScope implements AutoCloseable {

    private static final ThreadLocal<ArrayDeque<TensorScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final TensorScope parent;
    private final boolean onStack;
    private boolean closed;

    private TensorScope(TensorScope parent, boolean onStack) {
        this.parent = parent;
        this.onStack = onStack;
    }

    /** Opens a scope that collects every tensor this thread creates until it is closed. */
    public static TensorScope open() {
        ArrayDeque<TensorScope> stack = STACK.get();
        TensorScope s = new TensorScope(stack.peek(), true);
        stack.push(s);
        return s;
    }

    /** An owner for long-lived tensors (model weights); not on the thread's stack, closed by its holder. */
    public static TensorScope detached() {
        return new TensorScope(null, false);
    }

    /** The innermost open scope of this thread, or null. */
    static TensorScope current() {
        return STACK.get().peek();
    }

    /** Called by every new Tensor: it joins this thread's innermost scope. */
    static void register(Tensor t) {
        TensorScope s = STACK.get().peek();
        if (s != null) {
            s.owned.add(t);
            t.owner = s;
        }
    }

    /**
     * Moves {@code t} out of this scope into the enclosing one (or leaves it unowned, for the caller to close,
     * when this is the outermost scope). Returns {@code t}, for {@code return s.keep(result);}.
     */
    public Tensor keep(Tensor t) {
        checkOpen();
        if (t.owner != this) {
            throw new IllegalArgumentException("keep: " + t + " does not belong to this scope");
        }
        owned.remove(t);
        t.owner = null;
        TensorScope target = parent;
        while (target != null && target.closed) {
            target = target.parent;
        }
        if (target != null) {
            target.owned.add(t);
            t.owner = target;
        }
        return t;
    }

    /** {@link #keep(Tensor)} for several results. */
    public List<Tensor> keep(List<Tensor> ts) {
        List<Tensor> out = new ArrayList<>(ts.size());
        for (Tensor t : ts) {
            out.add(keep(t));
        }
        return out;
    }

    /** Takes ownership of {@code t} from whichever scope owned it (or from nobody). Returns {@code t}. */
    public Tensor adopt(Tensor t) {
        checkOpen();
        t.checkLive("adopt");
        if (t.owner != null) {
            t.owner.owned.remove(t);
        }
        owned.add(t);
        t.owner = this;
        return t;
    }

    /** Number of tensors currently owned (for tests and diagnostics). */
    public int size() {
        return owned.size();
    }

    void forget(Tensor t) {
        owned.remove(t);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this TensorScope is already closed");
        }
    }

    /**
     * Closes every tensor still owned. A stack scope also closes any inner scope left open by mistake, so the
     * thread's stack stays consistent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (onStack) {
            ArrayDeque<TensorScope> stack = STACK.get();
            if (stack.contains(this)) {
                while (stack.peek() != this) {
                    stack.peek().close();
                }
                stack.pop();
            }
        }
        closed = true;
        List<Tensor> all = new ArrayList<>(owned);
        owned.clear();
        for (Tensor t : all) {
            t.owner = null;
            t.close();
        }
    }
}
