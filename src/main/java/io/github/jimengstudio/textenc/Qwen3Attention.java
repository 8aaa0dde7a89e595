package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.runtime.Functional.attention;
import static io.github.jimengstudio.runtime.Functional.linear;
import static io.github.jimengstudio.runtime.Functional.ropeHalf;
import static io.github.jimengstudio.runtime.Functional.rmsNorm;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;

/**
 * Qwen3 self-attention: grouped-query (each key/value head serves {@code heads / kvHeads} consecutive query
 * heads), an RMSNorm over each head's q and k before the rotary embedding, causal, no biases.
 */
final class Qwen3Attention {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float eps;
    private final Tensor qProj;
    private final Tensor kProj;
    private final Tensor vProj;
    private final Tensor oProj;
    private final Tensor qNorm;
    private final Tensor kNorm;

    Qwen3Attention(Qwen3Config c, WeightLoader load, Qwen3WeightNames names, int layer) throws IOException {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        eps = (float) c.rmsNormEps();
        long hidden = c.hiddenSize();
        long q = (long) heads * headDim;
        long kv = (long) kvHeads * headDim;
        qProj = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.q_proj.weight")), q, hidden);
        kProj = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.k_proj.weight")), kv, hidden);
        vProj = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.v_proj.weight")), kv, hidden);
        oProj = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.o_proj.weight")), hidden, q);
        qNorm = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.q_norm.weight")), headDim);
        kNorm = load.load(names.name(Qwen3WeightNames.layer(layer, "self_attn.k_norm.weight")), headDim);
    }

    /**
     * @param x   {@code [tokens, hidden]}, already input-normed
     * @param cos rotary table {@code [tokens, headDim]}
     * @param sin rotary table {@code [tokens, headDim]}
     * @return {@code [tokens, hidden]}
     */
    Tensor forward(Tensor x, Tensor cos, Tensor sin, ForwardTrace trace, String name) {
        long tokens = x.dim(0);
        Tensor qFlat = linear(x, qProj, null);
        Tensor kFlat = linear(x, kProj, null);
        Tensor vFlat = linear(x, vProj, null);
        trace.record(name + "q_proj", qFlat);
        trace.record(name + "k_proj", kFlat);
        trace.record(name + "v_proj", vFlat);

        Tensor q = rmsNorm(qFlat.reshape(tokens, heads, headDim), qNorm, eps);
        Tensor k = rmsNorm(kFlat.reshape(tokens, kvHeads, headDim), kNorm, eps);
        trace.record(name + "q_norm", q);
        trace.record(name + "k_norm", k);

        // Heads first for attention; cos/sin [tokens, headDim] broadcast over the heads.
        q = ropeHalf(q.transpose(0, 1), cos, sin);
        k = ropeHalf(k.transpose(0, 1), cos, sin);
        Tensor v = vFlat.reshape(tokens, kvHeads, headDim).transpose(0, 1);

        Tensor core = attention(q, k, v, true, true)           // softmax(q kᵀ/√d + causal) v, per head
                .transpose(0, 1).reshape(tokens, (long) heads * headDim);
        trace.record(name + "attn_core", core);
        Tensor out = linear(core, oProj, null);
        trace.record(name + "o_proj", out);
        return out;
    }
}
