package io.github.jimengstudio.runtime;

import java.util.Arrays;
import java.util.List;

/**
 * The weights of one "sandwich" transformer block (Z-Image's S3-DiT block, zimage-spec §4.7): attention with RMS-normed
 * q and k and rotary positions, then a SwiGLU feed-forward, each branch RMS-normed before and after, in the order
 * {@link Functional#sandwichBlock} takes them. Linear weights are [out, in] as in checkpoints; the norm gains are
 * [dim] (the q/k gains [headDim]). {@code packed} is empty, or holds the seven linears' weights (to_q, to_k, to_v,
 * to_out, w1, w2, w3) packed for the input's row count, each made from the weight given here.
 */
public record SandwichBlockWeights(Tensor toQ, Tensor toK, Tensor toV, Tensor toOut, Tensor normQ, Tensor normK,
        float qkEps, Tensor attentionNorm1, Tensor attentionNorm2, Tensor ffnNorm1, Tensor ffnNorm2, float eps,
        Tensor w1, Tensor w2, Tensor w3, int heads, List<PackedWeight> packed) {

    public SandwichBlockWeights {
        packed = List.copyOf(packed);
    }

    /** The weights without packed copies. */
    public SandwichBlockWeights(Tensor toQ, Tensor toK, Tensor toV, Tensor toOut, Tensor normQ, Tensor normK,
            float qkEps, Tensor attentionNorm1, Tensor attentionNorm2, Tensor ffnNorm1, Tensor ffnNorm2, float eps,
            Tensor w1, Tensor w2, Tensor w3, int heads) {
        this(toQ, toK, toV, toOut, normQ, normK, qkEps, attentionNorm1, attentionNorm2, ffnNorm1, ffnNorm2, eps, w1,
                w2, w3, heads, List.of());
    }

    /** The seven linear weights in {@code packed}'s order. */
    Tensor[] linears() {
        return new Tensor[] {toQ, toK, toV, toOut, w1, w2, w3};
    }

    /** The helper's argument order (the script indexes this list). */
    Tensor[] inScriptOrder() {
        return new Tensor[] {toQ, toK, toV, toOut, normQ, normK, attentionNorm1, attentionNorm2, ffnNorm1, ffnNorm2,
                w1, w2, w3};
    }

    /** Refuses weights that do not form a block for an input of width {@code dim} and element type {@code type}. */
    void check(long dim, ElementType type) {
        long inner = toQ.dim(0);
        if (heads <= 0 || inner % heads != 0 || (inner / heads) % 2 != 0) {
            throw new IllegalArgumentException("sandwichBlock: " + inner + " attention features do not split into "
                    + heads + " heads of an even size");
        }
        long headDim = inner / heads;
        long ffn = w1.dim(0);
        expect("to_q", toQ, inner, dim);
        expect("to_k", toK, inner, dim);
        expect("to_v", toV, inner, dim);
        expect("to_out", toOut, dim, inner);
        expect("norm_q", normQ, headDim);
        expect("norm_k", normK, headDim);
        expect("attention_norm1", attentionNorm1, dim);
        expect("attention_norm2", attentionNorm2, dim);
        expect("ffn_norm1", ffnNorm1, dim);
        expect("ffn_norm2", ffnNorm2, dim);
        expect("w1", w1, ffn, dim);
        expect("w2", w2, dim, ffn);
        expect("w3", w3, ffn, dim);
        for (Tensor t : inScriptOrder()) {
            if (t.type() != type) {
                throw new IllegalArgumentException("sandwichBlock: a " + t.type() + " weight for a " + type
                        + " input; load the block in the type it computes in");
            }
        }
    }

    private static void expect(String what, Tensor t, long... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("sandwichBlock: " + what + " is " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
    }
}
