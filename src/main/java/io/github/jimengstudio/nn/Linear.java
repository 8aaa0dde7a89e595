package io.github.jimengstudio.nn;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.InsufficientMemoryException;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * A linear layer y = x·Wᵀ + b, with W stored [out, in] as in the checkpoint. Kept as its own small object, named
 * by its checkpoint module name, so that runtime adapters (LoRA) can attach to exactly this layer: an
 * {@link Adapter} adds its update to the layer's output, and a fused adapter can stand in for the weight until
 * {@link #reloadWeight} restores the checkpoint's exact values.
 */
public final class Linear {

    /** Adds a runtime update (LoRA) to the layer's output. */
    @FunctionalInterface
    public interface Adapter {
        /**
         * The layer's output with the update for input {@code x} added. {@code y = x·Wᵀ + b} is the layer's fresh
         * output, owned by the call: the adapter may accumulate into it, and returns it unchanged when it has
         * nothing to add.
         */
        Tensor apply(Tensor x, Tensor y);

        /**
         * True while the adapter adds nothing to any output (no active LoRA patches this layer, or its update is
         * fused into the weight): a network may then compute the layer without calling {@link #apply}, e.g. as
         * part of a whole block in one native call.
         */
        default boolean idle() {
            return false;
        }

        /**
         * The update {@link #apply} adds, as low-rank terms (empty when idle), so that a network computing the
         * layer natively (a whole block in one call) can add it there; null when the update has no such form, and
         * the layer must then be computed through {@link #apply}.
         */
        default List<LowRankUpdate> lowRankTerms() {
            return null;
        }
    }

    private final String name;
    private final Tensor bias;
    /** Where the weight was loaded from, so it can be loaded again; null for a layer built from tensors. */
    private final WeightLoader source;
    private volatile Tensor weight;
    private volatile Adapter adapter;
    /** The weight packed for one input row count ({@link #packedFor}); dropped with the weight it came from. */
    private PackedWeight packed;

    public Linear(String name, Tensor weight, Tensor bias) {
        this(name, weight, bias, null);
    }

    private Linear(String name, Tensor weight, Tensor bias, WeightLoader source) {
        if (weight.rank() != 2 || (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0)))) {
            throw new IllegalArgumentException(name + ": weight " + weight + " and bias " + bias
                    + " do not form a linear layer ([out, in] and [out])");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.source = source;
    }

    /** Loads {@code name.weight} [out, in] and, when {@code hasBias}, {@code name.bias} [out]. */
    public static Linear load(WeightLoader weights, String name, long in, long out, boolean hasBias)
            throws IOException {
        Tensor w = weights.load(name + ".weight", out, in);
        Tensor b = hasBias ? weights.load(name + ".bias", out) : null;
        return new Linear(name, w, b, weights);
    }

    public Tensor forward(Tensor x) {
        Tensor y = Functional.linear(x, weight, bias);
        Adapter a = adapter;
        return a == null || a.idle() ? y : a.apply(x, y);
    }

    /**
     * What an attached adapter would add to this layer's output now, as low-rank terms: empty without an adapter
     * or while it is idle; null when the adapter has no such form (the layer must then go through
     * {@link #forward}).
     */
    public List<LowRankUpdate> lowRankUpdate() {
        Adapter a = adapter;
        return a == null || a.idle() ? List.of() : a.lowRankTerms();
    }

    /** Attaches a runtime adapter (replacing any previous one); null detaches. */
    public void setAdapter(Adapter adapter) {
        this.adapter = adapter;
    }

    /** The attached adapter, or null. */
    public Adapter adapter() {
        return adapter;
    }

    /**
     * Computes with {@code newWeight} from now on (a LoRA fused into the weight). It must have the weight's shape
     * and type. Returns the previous weight, which the caller now owns (to close, or to keep).
     */
    public Tensor replaceWeight(Tensor newWeight) {
        Tensor old = weight;
        if (!Arrays.equals(newWeight.shape(), old.shape()) || newWeight.type() != old.type()) {
            throw new IllegalArgumentException(name + ": replacement weight " + newWeight + " does not match "
                    + old);
        }
        weight = newWeight;
        releasePacked();
        return old;
    }

    /** Whether {@link #reloadWeight} can restore the checkpoint's values (the layer was loaded, not built). */
    public boolean canReloadWeight() {
        return source != null;
    }

    /**
     * Loads the weight again from the checkpoint it came from, exactly as first loaded (undoing a fused update
     * without the drift of subtracting it). Returns the replaced weight, which the caller now owns.
     *
     * @throws IllegalStateException for a layer built from tensors rather than loaded
     */
    public Tensor reloadWeight() throws IOException {
        if (source == null) {
            throw new IllegalStateException(name + " was built from tensors, not loaded: it cannot be reloaded");
        }
        Tensor fresh = source.load(name + ".weight", outFeatures(), inFeatures());
        Tensor old = weight;
        weight = fresh;
        releasePacked();
        return old;
    }

    /**
     * The current weight packed for inputs of {@code rows} rows (see {@link PackedWeight}), made on the first call
     * for that count and kept until the count or the weight changes; null where the runtime cannot pack it, or
     * when the copy would not leave {@code keepFree} bytes free (the layer then computes with its plain weight, a
     * few percent slower). Like {@link #replaceWeight}, not to be called while another thread computes with this
     * layer.
     */
    public synchronized PackedWeight packedFor(long rows, long keepFree) {
        Tensor w = weight;
        if (packed != null && packed.fits(w, rows)) {
            return packed;
        }
        releasePacked();
        if (!PackedWeight.supported(w)) {
            return null;
        }
        try {
            packed = PackedWeight.pack(w, rows, keepFree);
        } catch (RuntimeException e) {
            // refused beforehand, or libtorch itself ran out (where nothing is checked beforehand, off Linux)
            if (InsufficientMemoryException.fromNative(e, "") == null) {
                throw e;
            }
            return null;
        }
        return packed;
    }

    /** The packed copy this layer holds now (for whichever row count), or null; makes none. */
    public synchronized PackedWeight packed() {
        return packed;
    }

    /** Frees the packed copy, if any (the next {@link #packedFor} makes a new one). */
    public synchronized void releasePacked() {
        if (packed != null) {
            packed.close();
            packed = null;
        }
    }

    /** The checkpoint module name, e.g. {@code layers.0.attention.to_q}. */
    public String name() {
        return name;
    }

    /** The weight the layer computes with now (the checkpoint's, or a fused replacement). */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    public long inFeatures() {
        return weight.dim(1);
    }

    public long outFeatures() {
        return weight.dim(0);
    }
}
