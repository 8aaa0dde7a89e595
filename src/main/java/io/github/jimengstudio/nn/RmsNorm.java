package io.github.jimengstudio.nn;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;

/**
 * RMS norm over the last axis with a learned gain: g ⊙ x·rsqrt(mean(x²) + eps), the statistic in float32 (the
 * diffusers and Qwen3 definition; the gain is used as stored, no 1 + g).
 */
public final class RmsNorm {

    private final Tensor weight;
    private final float eps;

    public RmsNorm(Tensor weight, float eps) {
        if (weight.rank() != 1) {
            throw new IllegalArgumentException("RMS norm gain must be 1-D, is " + weight);
        }
        this.weight = weight;
        this.eps = eps;
    }

    /** Loads {@code name.weight} [dim]. */
    public static RmsNorm load(WeightLoader weights, String name, long dim, double eps) throws IOException {
        return new RmsNorm(weights.load(name + ".weight", dim), (float) eps);
    }

    public Tensor forward(Tensor x) {
        return Functional.rmsNorm(x, weight, eps);
    }

    /** forward(x) ⊙ scale, with the scale (e.g. [B, 1, dim]) folded into the gain: one pass less. */
    public Tensor forward(Tensor x, Tensor scale) {
        return Functional.rmsNorm(x, weight.mul(scale), eps);
    }

    /** residual + gate ⊙ forward(branch) in one fused update; {@code gate} (e.g. [B, 1, dim]) may be null. */
    public Tensor addTo(Tensor residual, Tensor branch, Tensor gate) {
        return Functional.addRmsNorm(residual, branch, gate == null ? weight : weight.mul(gate), eps);
    }

    public Tensor weight() {
        return weight;
    }

    public float eps() {
        return eps;
    }
}
