package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.runtime.Functional.linear;
import static io.github.jimengstudio.runtime.Functional.siluMul;

import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;

/** The SwiGLU feed-forward: {@code down(silu(gate(x)) · up(x))}, no biases. */
final class Qwen3Mlp {

    private final Tensor gateProj;
    private final Tensor upProj;
    private final Tensor downProj;

    Qwen3Mlp(Qwen3Config c, WeightLoader load, Qwen3WeightNames names, int layer) throws IOException {
        long hidden = c.hiddenSize();
        long inner = c.intermediateSize();
        gateProj = load.load(names.name(Qwen3WeightNames.layer(layer, "mlp.gate_proj.weight")), inner, hidden);
        upProj = load.load(names.name(Qwen3WeightNames.layer(layer, "mlp.up_proj.weight")), inner, hidden);
        downProj = load.load(names.name(Qwen3WeightNames.layer(layer, "mlp.down_proj.weight")), hidden, inner);
    }

    Tensor forward(Tensor x) {
        return linear(siluMul(linear(x, gateProj, null), linear(x, upProj, null)), downProj, null);
    }
}
