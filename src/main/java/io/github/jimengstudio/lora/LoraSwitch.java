package io.github.jimengstudio.lora;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.Tensor;
import java.util.ArrayList;
import java.util.Collections;
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
     * {@code updatesBySlot}: each target's terms {@code strength · scale · B (A x)}, made once per selection, so a
     * forward pass hands them over without building anything; {@code fused}: they are merged into the weights, so
     * the layers add nothing at run time.
     */
    private record ActiveSet(List<Use> uses, List<List<LowRankUpdate>> updatesBySlot, boolean fused) {}

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
        return new ActiveSet(List.of(), Collections.nCopies(slots.size(), List.of()), false);
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
                Tensor out = y;
                for (LowRankUpdate u : lowRankTerms()) {
                    out = Functional.addLowRankInPlace(out, x, u.down(), u.up(), u.factor());
                }
                return out;
            }

            @Override
            public boolean idle() {
                return lowRankTerms().isEmpty();
            }

            @Override
            public List<LowRankUpdate> lowRankTerms() {
                ActiveSet set = active;
                return set.fused() ? List.of() : set.updatesBySlot().get(s);
            }
        };
    }

    /**
     * Makes exactly these LoRAs active, in this order, each at its strength. Uses at strength 0 are dropped (so
     * they cost nothing and change nothing). Validated before the swap: on error the previous set stays active.
     */
    public void select(List<Use> uses) {
        List<List<LowRankUpdate>> terms = new ArrayList<>();
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
                float factor = (float) (u.strength() * f.scale());
                terms.get(slots.get(f.target())).add(new LowRankUpdate(f.a(), f.b(), factor));
            }
        }
        active = new ActiveSet(List.copyOf(kept), terms.stream().map(List::copyOf).toList(), false);
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
        active = new ActiveSet(s.uses(), s.updatesBySlot(), fused);
    }

    /** Whether the active set is merged into the weights. */
    public boolean fused() {
        return active.fused();
    }

    /** Whether any active LoRA patches this weight. */
    public boolean patches(String weightName) {
        Integer slot = slots.get(weightName);
        return slot != null && !active.updatesBySlot().get(slot).isEmpty();
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
        List<LowRankUpdate> terms = active.updatesBySlot().get(slot);
        if (terms.isEmpty()) {
            return base;
        }
        ElementType type = base.type();
        Tensor w = type == ElementType.FLOAT32 ? base : base.to(ElementType.FLOAT32);
        for (LowRankUpdate t : terms) {
            Tensor b = t.up().type() == ElementType.FLOAT32 ? t.up() : t.up().to(ElementType.FLOAT32);
            Tensor a = t.down().type() == ElementType.FLOAT32 ? t.down() : t.down().to(ElementType.FLOAT32);
            Tensor delta = b.matmul(a);
            w = w.add(t.factor() == 1f ? delta : delta.mul(t.factor()));
        }
        return type == ElementType.FLOAT32 ? w : w.to(type);
    }
}
