package io.github.jimengstudio.vae;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.vae.Layers.GroupNorm;
import java.io.IOException;

/**
 * The mid block's self-attention over all latent positions: one head as wide as the block, with a residual
 * connection (diffusers' Attention with {@code group_norm}, {@code residual_connection}, rescale 1):
 * {@code x + to_out(softmax(q kᵀ / √C) v)} where q, k, v are linear maps of {@code groupNorm(x)} seen as
 * {@code [B, h·w, C]} tokens. The only global operation in the encoder and the
 * decoder, and quadratic in the latent area.
 */
final class MidAttention {
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final int channels;

    MidAttention(PartWeights w, String name, int channels, int groups) throws IOException {
        this.channels = channels;
        groupNorm = GroupNorm.load(w, name + ".group_norm", channels, groups);
        toQ = linear(w, name + ".to_q", channels);
        toK = linear(w, name + ".to_k", channels);
        toV = linear(w, name + ".to_v", channels);
        toOut = linear(w, name + ".to_out.0", channels);
    }

    private static Linear linear(PartWeights w, String name, int channels) throws IOException {
        return new Linear(name, w.load(name + ".weight", channels, channels), w.load(name + ".bias", channels));
    }

    /** Multiply-adds on {@code area} tokens: four projections, and scores and mixing quadratic in the area. */
    long cost(long area) {
        return 4L * channels * channels * area + 2L * area * area * channels;
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        long b = x.dim(0);
        long c = x.dim(1);
        long h = x.dim(2);
        long w = x.dim(3);
        try (TensorScope s = TensorScope.open()) {
            Tensor tokens = groupNorm.forward(x).reshape(b, c, h * w).transpose(1, 2);
            Tensor q = toQ.forward(tokens).unsqueeze(1);
            Tensor k = toK.forward(tokens).unsqueeze(1);
            Tensor v = toV.forward(tokens).unsqueeze(1);
            Tensor o = toOut.forward(Functional.attention(q, k, v).squeeze(1));
            Tensor image = o.transpose(1, 2).reshape(b, c, h, w);
            return s.keep(image.add(x));
        }
    }
}
