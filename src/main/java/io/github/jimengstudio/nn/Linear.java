package io.github.jimengstudio.nn;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;

/**
 * A linear layer y = x·Wᵀ + b, with W stored [out, in] as in the checkpoint. Kept as its own small object, named
 * by its checkpoint module name, so that runtime adapters (LoRA) can attach to exactly this layer.
 */
public final class Linear {

    private final String name;
    private final Tensor weight;
    private final Tensor bias;

    public Linear(String name, Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0)))) {
            throw new IllegalArgumentException(name + ": weight " + weight + " and bias " + bias
                    + " do not form a linear layer ([out, in] and [out])");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** Loads {@code name.weight} [out, in] and, when {@code hasBias}, {@code name.bias} [out]. */
    public static Linear load(WeightLoader weights, String name, long in, long out, boolean hasBias)
            throws IOException {
        Tensor w = weights.load(name + ".weight", out, in);
        Tensor b = hasBias ? weights.load(name + ".bias", out) : null;
        return new Linear(name, w, b);
    }

    public Tensor forward(Tensor x) {
        return Functional.linear(x, weight, bias);
    }

    /** The checkpoint module name, e.g. {@code layers.0.attention.to_q}. */
    public String name() {
        return name;
    }

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
