package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.runtime.Functional.rmsNorm;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;

/** One pre-norm Qwen3 block: {@code h = x + attn(norm(x))}, then {@code h + mlp(norm(h))}. */
final class Qwen3DecoderLayer {

    private final String name;
    private final float eps;
    private final Tensor inputLayernorm;
    private final Qwen3Attention selfAttn;
    private final Tensor postAttentionLayernorm;
    private final Qwen3Mlp mlp;

    Qwen3DecoderLayer(Qwen3Config c, WeightLoader load, Qwen3WeightNames names, int layer) throws IOException {
        name = "layers." + layer + ".";
        eps = (float) c.rmsNormEps();
        inputLayernorm = load.load(names.name(Qwen3WeightNames.layer(layer, "input_layernorm.weight")),
                c.hiddenSize());
        selfAttn = new Qwen3Attention(c, load, names, layer);
        postAttentionLayernorm = load.load(names.name(Qwen3WeightNames.layer(layer,
                "post_attention_layernorm.weight")), c.hiddenSize());
        mlp = new Qwen3Mlp(c, load, names, layer);
    }

    /** {@code x}: {@code [tokens, hidden]}; the result has the same shape. Temporaries are freed on return. */
    Tensor forward(Tensor x, Tensor cos, Tensor sin, ForwardTrace trace) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor normed = rmsNorm(x, inputLayernorm, eps);
            trace.record(name + "input_layernorm", normed);
            Tensor h = x.add(selfAttn.forward(normed, cos, sin, trace, name));

            Tensor normed2 = rmsNorm(h, postAttentionLayernorm, eps);
            trace.record(name + "post_attention_layernorm", normed2);
            Tensor ff = mlp.forward(normed2);
            trace.record(name + "mlp", ff);
            return scope.keep(h.add(ff));
        }
    }
}
