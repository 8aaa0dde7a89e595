package io.github.jimengstudio.dit;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;

/**
 * A batch's RoPE factors on the device, [B, S, 1, pairs] in float32 (broadcast over heads), applied to queries and
 * keys [B, S, heads, head_dim] on adjacent pairs; the result comes as [B, heads, S, head_dim], ready for attention.
 */
final class Rotary {

    private final Tensor cos;
    private final Tensor sin;

    Rotary(RopeFactors f) {
        cos = Tensor.of(f.cos(), f.batch(), f.length(), 1, f.pairs());
        sin = Tensor.of(f.sin(), f.batch(), f.length(), 1, f.pairs());
    }

    /** cos of the angles, [B, S, 1, pairs]. */
    Tensor cos() {
        return cos;
    }

    /** sin of the angles, [B, S, 1, pairs]. */
    Tensor sin() {
        return sin;
    }

    /** [B, S, heads, head_dim] → rotated, as [B, heads, S, head_dim]. */
    Tensor applyHeadsFirst(Tensor x) {
        return Functional.ropePairsHeadsFirst(x, cos, sin);
    }
}
