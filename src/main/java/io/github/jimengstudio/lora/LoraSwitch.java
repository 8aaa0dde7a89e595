package io.github.jimengstudio.lora;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime LoRA adapters of one model. Each targeted Linear asks its {@link Linear.Adapter} to add the active
 * updates to its output, {@code y = W x + Σ strength · scale · B (A x)}; the base weights are never touched, so
 * switching LoRAs any number of times cannot drift, and with nothing selected (or strength 0) the layer's
 * output is returned unchanged, bit for bit.
 *
 * <p>{@link #select} replaces the whole active set with one reference write: a layer sees either the old set or
 * the new one, never a mix of targets. Switch between forward passes (the pipeline's one generation thread
 * does), since a pass that straddles a switch would use both sets.
 */
public final class LoraSwitch {

    /** One uploaded LoRA at a strength. */
    public record Use(DeviceLora lora, double strength) {}

    /**
     * One term of a layer's update: {@code factor · B (A x)}; with {@code down}, {@code A x} comes from the
     * siblings' shared product, columns from {@code offset}.
     */
    private record Term(Tensor a, Tensor b, float factor, DeviceLora.SharedDown down, long offset) {}

    /** {@code fused}: the terms are merged into the weights, so the layers add nothing at run time. */
    private record ActiveSet(List<Use> uses, Term[][] termsBySlot, boolean fused) {}

    private static final Term[] NONE = new Term[0];

    private final Map<String, Integer> slots = new HashMap<>();
    private volatile ActiveSet active;

    /** Adapters for every weight of the catalogue; a LoRA may patch any subset of them. */
    public LoraSwitch(LoraTargets targets) {
        for (String name : targets.names()) {
            slots.put(name, slots.size());
        }
        active = emptySet();
    }

    private ActiveSet emptySet() {
        Term[][] terms = new Term[slots.size()][];
        Arrays.fill(terms, NONE);
        return new ActiveSet(List.of(), terms, false);
    }

    /** The adapter for one target weight (canonical name, e.g. {@code layers.0.attention.to_q.weight}). */
    public Linear.Adapter adapterFor(String weightName) {
        Integer slot = slots.get(weightName);
        if (slot == null) {
            throw new IllegalArgumentException("'" + weightName + "' is not a LoRA target of this model");
        }
        int s = slot;
        return new Linear.Adapter() {
            @Override
            public Tensor apply(Tensor x, Tensor y) {
                ActiveSet set = active;
                return set.fused() ? y : addTerms(set.termsBySlot()[s], x, y);
            }

            @Override
            public boolean idle() {
                ActiveSet set = active;
                return set.fused() || set.termsBySlot()[s].length == 0;
            }

            @Override
            public List<LowRankUpdate> lowRankTerms() {
                ActiveSet set = active;
                if (set.fused()) {
                    return List.of();
                }
                List<LowRankUpdate> out = new ArrayList<>();
                for (Term t : set.termsBySlot()[s]) {
                    out.add(new LowRankUpdate(t.a(), t.b(), t.factor()));
                }
                return out;
            }
        };
    }

    private static Tensor addTerms(Term[] terms, Tensor x, Tensor y) {
        Tensor out = y;
        for (Term t : terms) {
            out = t.down() == null ? Functional.addLowRankInPlace(out, x, t.a(), t.b(), t.factor())
                    : Functional.addLowRankUpInPlace(out, t.down().product(x), t.offset(), t.b(), t.factor());
        }
        return out;
    }

    /**
     * Makes exactly these LoRAs active, in this order, each at its strength. Uses at strength 0 are dropped (so
     * they cost nothing and change nothing). Validated before the swap: on error the previous set stays active.
     */
    public void select(List<Use> uses) {
        List<List<Term>> terms = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            terms.add(new ArrayList<>());
        }
        List<Use> kept = new ArrayList<>();
        for (Use u : uses) {
            if (!Double.isFinite(u.strength())) {
                throw new IllegalArgumentException("LoRA '" + u.lora().name() + "': strength " + u.strength()
                        + " is not finite");
            }
            for (DeviceLora.Factors f : u.lora().factors().values()) {
                if (!slots.containsKey(f.target())) {
                    throw new IllegalArgumentException("LoRA '" + u.lora().name() + "' patches " + f.target()
                            + ", which this model does not have (it was read for another model)");
                }
            }
            if (u.strength() == 0) {
                continue;
            }
            kept.add(u);
            for (DeviceLora.Factors f : u.lora().factors().values()) {
                terms.get(slots.get(f.target()))
                        .add(new Term(f.a(), f.b(), (float) (u.strength() * f.scale()), f.down(), f.downOffset()));
            }
        }
        Term[][] bySlot = new Term[slots.size()][];
        for (int i = 0; i < bySlot.length; i++) {
            bySlot[i] = terms.get(i).isEmpty() ? NONE : terms.get(i).toArray(NONE);
        }
        active = new ActiveSet(List.copyOf(kept), bySlot, false);
    }

    /** No LoRA: every layer computes its base output only. */
    public void clear() {
        active = emptySet();
    }

    /**
     * Marks the active set as merged into the weights (true) or applied at run time (false). The caller swaps the
     * weights ({@link #fusedWeight}); this only stops (or resumes) adding the terms at run time.
     */
    void setFused(boolean fused) {
        ActiveSet s = active;
        active = new ActiveSet(s.uses(), s.termsBySlot(), fused);
    }

    /** Whether the active set is merged into the weights. */
    public boolean fused() {
        return active.fused();
    }

    /** Whether any active LoRA patches this weight. */
    public boolean patches(String weightName) {
        Integer slot = slots.get(weightName);
        return slot != null && active.termsBySlot()[slot].length > 0;
    }

    /** The active LoRAs (strength 0 ones are not listed). */
    public List<Use> active() {
        return active.uses();
    }

    /** Whether {@code lora} is part of the active set (the cache must not free it). */
    public boolean isActive(DeviceLora lora) {
        for (Use u : active.uses()) {
            if (u.lora() == lora) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code W + Σ strength · scale · (B @ A)} for one target, as a new tensor in W's type: the fused weight
     * (PEFT's merge arithmetic; a bfloat16 weight is merged in float32 and rounded once, as ComfyUI does).
     * {@code base} itself is returned when no active LoRA patches this target.
     */
    public Tensor fusedWeight(String weightName, Tensor base) {
        Integer slot = slots.get(weightName);
        if (slot == null) {
            throw new IllegalArgumentException("'" + weightName + "' is not a LoRA target of this model");
        }
        Term[] terms = active.termsBySlot()[slot];
        if (terms.length == 0) {
            return base;
        }
        ElementType type = base.type();
        Tensor w = type == ElementType.FLOAT32 ? base : base.to(ElementType.FLOAT32);
        for (Term t : terms) {
            Tensor b = t.b().type() == ElementType.FLOAT32 ? t.b() : t.b().to(ElementType.FLOAT32);
            Tensor a = t.a().type() == ElementType.FLOAT32 ? t.a() : t.a().to(ElementType.FLOAT32);
            Tensor delta = b.matmul(a);
            w = w.add(t.factor() == 1f ? delta : delta.mul(t.factor()));
        }
        return type == ElementType.FLOAT32 ? w : w.to(type);
    }
}
