package io.github.jimengstudio.dit;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.nn.RmsNorm;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.SandwichBlockWeights;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One S3-DiT transformer block (spec §4.7): self-attention with q/k RMS norm and 3-axis RoPE, then a SwiGLU
 * feed-forward, each branch pre-normed and post-normed. Noise-refiner and main blocks are modulated by the
 * timestep (scale and tanh gate, no shift); context-refiner blocks are not.
 *
 * <p>The block runs as one native call ({@link Functional#sandwichBlock}), runtime LoRA updates included as
 * low-rank terms; it runs op by op only for an adapter that cannot describe itself so, and without q/k norm.
 */
final class ZImageBlock {

    /** diffusers builds the q/k norms with this eps regardless of norm_eps (equal in every real config). */
    private static final double QK_NORM_EPS = 1e-5;

    private final int heads;
    private final int headDim;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final RmsNorm normQ;
    private final RmsNorm normK;
    private final Linear w1;
    private final Linear w2;
    private final Linear w3;
    private final RmsNorm attentionNorm1;
    private final RmsNorm attentionNorm2;
    private final RmsNorm ffnNorm1;
    private final RmsNorm ffnNorm2;
    /** Null for context-refiner blocks. */
    private final Linear adaLNModulation;
    /** to_q, to_k, to_v, to_out, w1, w2, w3: checkpoint order, and {@link Functional#sandwichBlock}'s. */
    private final List<Linear> projections;
    /** The projections, then adaLN_modulation when the block has it. */
    private final List<Linear> linears;
    /** The row count the free memory could not hold this block's packed copies for, or -1. */
    private long packingRefusedFor = -1;

    private ZImageBlock(WeightLoader w, String name, ZImageTransformerConfig c, boolean modulated) throws IOException {
        long d = c.dim();
        heads = c.nHeads();
        headDim = c.headDim();
        String attn = name + ".attention.";
        toQ = Linear.load(w, attn + "to_q", d, d, false);
        toK = Linear.load(w, attn + "to_k", d, d, false);
        toV = Linear.load(w, attn + "to_v", d, d, false);
        toOut = Linear.load(w, attn + "to_out.0", d, d, false);
        normQ = c.qkNorm() ? RmsNorm.load(w, attn + "norm_q", headDim, QK_NORM_EPS) : null;
        normK = c.qkNorm() ? RmsNorm.load(w, attn + "norm_k", headDim, QK_NORM_EPS) : null;
        w1 = Linear.load(w, name + ".feed_forward.w1", d, c.ffnHidden(), false);
        w2 = Linear.load(w, name + ".feed_forward.w2", c.ffnHidden(), d, false);
        w3 = Linear.load(w, name + ".feed_forward.w3", d, c.ffnHidden(), false);
        attentionNorm1 = RmsNorm.load(w, name + ".attention_norm1", d, c.normEps());
        attentionNorm2 = RmsNorm.load(w, name + ".attention_norm2", d, c.normEps());
        ffnNorm1 = RmsNorm.load(w, name + ".ffn_norm1", d, c.normEps());
        ffnNorm2 = RmsNorm.load(w, name + ".ffn_norm2", d, c.normEps());
        adaLNModulation = modulated ? Linear.load(w, name + ".adaLN_modulation.0", c.adalnDim(), 4 * d, true) : null;
        projections = List.of(toQ, toK, toV, toOut, w1, w2, w3);
        List<Linear> all = new ArrayList<>(projections);
        if (adaLNModulation != null) {
            all.add(adaLNModulation);
        }
        linears = List.copyOf(all);
    }

    /** This block's Linear layers, in checkpoint order. */
    List<Linear> linears() {
        return linears;
    }

    /** to_q, to_k, to_v, to_out, w1, w2, w3: the linears the one-call block computes (and packs). */
    List<Linear> projections() {
        return projections;
    }

    static ZImageBlock modulated(WeightLoader w, String name, ZImageTransformerConfig c) throws IOException {
        return new ZImageBlock(w, name, c, true);
    }

    static ZImageBlock unmodulated(WeightLoader w, String name, ZImageTransformerConfig c) throws IOException {
        return new ZImageBlock(w, name, c, false);
    }

    /**
     * @param x     [B, S, dim]
     * @param mask  boolean key mask [B, 1, 1, S] (true = attend), or null when every item fills S
     * @param adaln the timestep conditioning [B, adaln_dim]; ignored (may be null) for unmodulated blocks
     * @param packKeepFree negative: the block's linears compute with their plain weights; else with packed copies
     *              ({@link PackedWeight}), made for this input's row count on first use and kept, so long as they
     *              leave this much memory free (the whole forward pass's working memory)
     */
    Tensor forward(Tensor x, Rotary rope, Tensor mask, Tensor adaln, long packKeepFree) {
        try (TensorScope s = TensorScope.open()) {
            Tensor modulation = adaLNModulation == null ? null : adaLNModulation.forward(adaln).unsqueeze(1);
            List<List<LowRankUpdate>> updates = normQ == null ? null : lowRankUpdates();
            if (updates != null) {
                return s.keep(Functional.sandwichBlock(x, weights(packKeepFree < 0 ? 0 : x.dim(0) * x.dim(1),
                        packKeepFree), modulation, rope.cos(), rope.sin(), mask, updates));
            }
            // Op by op: adapters that are not low-rank terms add to the linears' outputs here, and blocks without
            // q/k norm.
            Tensor out;
            if (modulation != null) {
                List<Tensor> mod = modulation.chunk(4, 2);
                Tensor scaleMsa = mod.get(0).add(1f);
                Tensor gateMsa = mod.get(1).tanh();
                Tensor scaleMlp = mod.get(2).add(1f);
                Tensor gateMlp = mod.get(3).tanh();
                // x + tanh(g) ⊙ norm2(Attn(norm1(x) ⊙ (1 + s))), then the same around the feed-forward
                Tensor h = attentionNorm2.addTo(x, attention(attentionNorm1.forward(x, scaleMsa), rope, mask), gateMsa);
                out = ffnNorm2.addTo(h, feedForward(ffnNorm1.forward(h, scaleMlp)), gateMlp);
            } else {
                Tensor h = attentionNorm2.addTo(x, attention(attentionNorm1.forward(x), rope, mask), null);
                out = ffnNorm2.addTo(h, feedForward(ffnNorm1.forward(h)), null);
            }
            return s.keep(out);
        }
    }

    /**
     * Each linear's runtime update (LoRA) as low-rank terms, in {@link Functional#sandwichBlock}'s order, so the
     * block can run in one call with them; null when an adapter has no such form and the block must run op by op.
     */
    private List<List<LowRankUpdate>> lowRankUpdates() {
        List<List<LowRankUpdate>> all = new ArrayList<>(projections.size());
        for (Linear l : projections) {
            List<LowRankUpdate> terms = l.lowRankUpdate();
            if (terms == null) {
                return null;
            }
            all.add(terms);
        }
        return all;
    }

    /**
     * The current weights (a fused LoRA replaces them) for the one-call block, with the projections packed for
     * inputs of {@code packRows} rows, when that is positive and the copies leave {@code keepFree} bytes free.
     */
    private SandwichBlockWeights weights(long packRows, long keepFree) {
        List<PackedWeight> packed = new ArrayList<>(projections.size());
        if (packRows > 0 && packRows == packingRefusedFor) {
            // no new attempt (each measures the free memory) until the row count changes; copies for another
            // count would only take memory
            projections.forEach(Linear::releasePacked);
        } else if (packRows > 0) {
            for (Linear l : projections) {
                PackedWeight p = l.packedFor(packRows, keepFree);
                if (p == null) {
                    // all or none: copies this block could not use would only take memory
                    projections.forEach(Linear::releasePacked);
                    packingRefusedFor = packRows;
                    packed.clear();
                    break;
                }
                packed.add(p);
            }
        }
        List<Tensor> w = new ArrayList<>(projections.size());
        for (int i = 0; i < projections.size(); i++) {
            // a packed copy goes with the very weight it was made from
            w.add(packed.isEmpty() ? projections.get(i).weight() : packed.get(i).weight());
        }
        return new SandwichBlockWeights(w.get(0), w.get(1), w.get(2), w.get(3), normQ.weight(), normK.weight(),
                normQ.eps(), attentionNorm1.weight(), attentionNorm2.weight(), ffnNorm1.weight(), ffnNorm2.weight(),
                ffnNorm1.eps(), w.get(4), w.get(5), w.get(6), heads, packed);
    }

    private Tensor attention(Tensor y, Rotary rope, Tensor mask) {
        long b = y.dim(0);
        long n = y.dim(1);
        Tensor q = toQ.forward(y).reshape(b, n, heads, headDim);
        Tensor k = toK.forward(y).reshape(b, n, heads, headDim);
        Tensor v = toV.forward(y).reshape(b, n, heads, headDim);
        if (normQ != null) {
            // q/k norm, RoPE, the heads-first layout and attention in one native call, without their temporaries
            // (q and k norms share QK_NORM_EPS)
            return toOut.forward(Functional.rotaryAttention(q, k, v, normQ.weight(), normK.weight(), normQ.eps(),
                    rope.cos(), rope.sin(), mask));
        }
        // without q/k norm (qk_norm false): attention reads [B, heads, S, head_dim] fastest in row-major order: RoPE writes q and k that way
        q = rope.applyHeadsFirst(q);
        k = rope.applyHeadsFirst(k);
        v = v.transpose(1, 2).contiguous();
        Tensor o = mask == null ? Functional.attention(q, k, v) : Functional.attention(q, k, v, mask, false);
        return toOut.forward(o.transpose(1, 2).reshape(b, n, (long) heads * headDim));
    }

    private Tensor feedForward(Tensor y) {
        // silu(w1 y) ⊙ w3 y, written over the w1 output: the block's largest activation is not allocated twice
        return w2.forward(Functional.siluMulInPlace(w1.forward(y), w3.forward(y)));
    }
}
