package io.github.jimengstudio.runtime;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.List;

/**
 * The neural-network operations, as static functions in the style of {@code torch.nn.functional}: linear and
 * convolution from DJL's own kernels; attention, the norms, RoPE and the fused activations from the TorchScript
 * helper (one native call each). Shapes are checked here, before anything reaches native code.
 */
public final class Functional {
    private Functional() {}

    private static OpHelper helper() {
        return TorchRuntime.get().helper();
    }

    /** x · Wᵀ + b, with W as stored in checkpoints: [out, in]. {@code bias} may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        long[] ws = requireLinearInput(x, weight);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != ws[0])) {
            throw new IllegalArgumentException("linear: bias " + Arrays.toString(bias.shape()) + " for weight "
                    + Arrays.toString(ws));
        }
        return Tensor.wrap(JniUtils.linear(x.array(), weight.array(), bias == null ? null : bias.array()));
    }

    /**
     * {@link #linear} without bias, computed with {@code packed}, the weight's copy in MKL's packed layout made for
     * x's row count (the product of x's leading axes). Equal to the plain product up to float32 rounding.
     */
    public static Tensor linear(Tensor x, PackedWeight packed) {
        Tensor weight = packed.weight();
        long[] ws = requireLinearInput(x, weight);
        long rows = x.numel() / ws[1];
        if (x.type() != weight.type()) {
            throw new IllegalArgumentException("linear: a " + x.type() + " input for a " + weight.type()
                    + " packed weight");
        }
        if (!packed.fits(weight, rows)) {
            throw new IllegalArgumentException("linear: " + (packed.isClosed() ? "the packed weight is closed"
                    : "a weight packed for " + packed.rows() + " rows cannot take " + x + " (" + rows + " rows)"));
        }
        return Tensor.fromHelper(helper().call("linear_packed", x.array(), weight.array(),
                new PtNDArray[] {packed.array()}, 0L, rows), x.type());
    }

    /** The weight's shape, after checking that it is [out, in] with in = x's last axis. */
    private static long[] requireLinearInput(Tensor x, Tensor weight) {
        long[] xs = x.shape();
        long[] ws = weight.shape();
        if (ws.length != 2 || xs.length == 0 || xs[xs.length - 1] != ws[1]) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(xs) + " does not fit weight "
                    + Arrays.toString(ws) + " ([out, in] with in = last input axis)");
        }
        return ws;
    }

    /**
     * 2-D convolution, NCHW input, weight [out, in/groups, kh, kw], bias [out] or null; one stride and padding
     * for both axes (what the VAE uses).
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int groups) {
        long[] xs = x.shape();
        long[] ws = weight.shape();
        if (xs.length != 4 || ws.length != 4 || groups < 1 || xs[1] != ws[1] * groups || ws[0] % groups != 0) {
            throw new IllegalArgumentException("conv2d: input " + Arrays.toString(xs) + " (NCHW) does not fit weight "
                    + Arrays.toString(ws) + " ([out, in/groups, kh, kw]) with groups " + groups);
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != ws[0])) {
            throw new IllegalArgumentException("conv2d: bias " + Arrays.toString(bias.shape()) + " for weight "
                    + Arrays.toString(ws));
        }
        if (stride < 1 || padding < 0 || xs[2] + 2L * padding < ws[2] || xs[3] + 2L * padding < ws[3]) {
            throw new IllegalArgumentException("conv2d: stride " + stride + ", padding " + padding + " with kernel "
                    + ws[2] + "x" + ws[3] + " on " + xs[2] + "x" + xs[3]);
        }
        return Tensor.wrap(JniUtils.convolution(x.array(), weight.array(), bias == null ? null : bias.array(),
                new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), groups));
    }

    /** Nearest-neighbour 2x upsampling of NCHW. */
    public static Tensor upsampleNearest2x(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("upsampleNearest2x needs NCHW, got " + Arrays.toString(x.shape()));
        }
        return Tensor.fromHelper(helper().call("upsample_nearest2x", x.array()), x.type());
    }

    /**
     * Fused scaled-dot-product attention, softmax(q kᵀ / sqrt(d)) v, over [..., heads, tokens, headDim].
     * With {@code causal}, position i attends to positions ≤ i. With {@code groupedKv}, k and v may have fewer
     * heads than q (grouped-query attention; q heads must be a multiple).
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal, boolean groupedKv) {
        checkAttention(q, k, v, groupedKv);
        return Tensor.fromHelper(helper().call("sdpa", q.array(), k.array(), v.array(), causal, groupedKv), q.type());
    }

    /** Non-causal attention of equal head counts. */
    public static Tensor attention(Tensor q, Tensor k, Tensor v) {
        return attention(q, k, v, false, false);
    }

    /**
     * Attention with a mask broadcastable to [..., heads, qTokens, kTokens]: boolean (true = may attend) or
     * additive float (added to the scores; -inf blocks).
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean groupedKv) {
        checkAttention(q, k, v, groupedKv);
        checkMask(mask, q.dim(-2), k.dim(-2), "attention");
        return Tensor.fromHelper(helper().call("sdpa_mask", q.array(), k.array(), v.array(), mask.array(), groupedKv),
                q.type());
    }

    /** A boolean or additive float mask that broadcasts to [..., qTokens, kTokens]. */
    private static void checkMask(Tensor mask, long qTokens, long kTokens, String op) {
        long[] ms = mask.shape();
        if (ms.length < 2 || !fits(ms[ms.length - 1], kTokens) || !fits(ms[ms.length - 2], qTokens)) {
            throw new IllegalArgumentException(op + " mask " + Arrays.toString(ms) + " does not broadcast to ["
                    + qTokens + ", " + kTokens + "] (query tokens, key tokens)");
        }
        if (mask.type() != ElementType.BOOLEAN && !mask.type().isFloating()) {
            throw new IllegalArgumentException(op + " mask must be boolean or floating, is " + mask.type());
        }
    }

    private static boolean fits(long maskDim, long dim) {
        return maskDim == 1 || maskDim == dim;
    }

    private static void checkAttention(Tensor q, Tensor k, Tensor v, boolean groupedKv) {
        long[] qs = q.shape();
        long[] ks = k.shape();
        long[] vs = v.shape();
        boolean ok = qs.length >= 2 && qs.length == ks.length && ks.length == vs.length
                && qs[qs.length - 1] == ks[ks.length - 1] && ks[ks.length - 2] == vs[vs.length - 2];
        if (ok && qs.length >= 3) {
            long qh = qs[qs.length - 3];
            long kh = ks[ks.length - 3];
            ok = kh == vs[vs.length - 3] && (groupedKv ? kh > 0 && qh % kh == 0 : qh == kh);
        }
        if (!ok) {
            throw new IllegalArgumentException("attention shapes q " + Arrays.toString(qs) + ", k "
                    + Arrays.toString(ks) + ", v " + Arrays.toString(vs) + " do not fit [..., heads, tokens, headDim]"
                    + (groupedKv ? " (grouped: q heads a multiple of kv heads)" : " (equal heads)"));
        }
    }

    /**
     * RMS norm over the last axis, as Qwen3/Llama define it: the mean square is taken in float32, the normalised
     * value is cast back to x's type, then multiplied by {@code weight}. The weight is the gain [dim], or any gain
     * that broadcasts against x with the same last axis (e.g. [B, 1, dim]: a gain already multiplied by a
     * per-item modulation).
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        requireGain(x, weight, "rmsNorm weight");
        return Tensor.fromHelper(helper().call("rms_norm", x.array(), weight.array(), (double) eps), null);
    }

    /**
     * x + weight ⊙ rmsNorm(y): a residual update by a post-normed branch, in one call and three passes over the
     * data (the product and the sum are one fused multiply-add). {@code weight} as for {@link #rmsNorm}, e.g. the
     * norm's gain times a gate; x and y have the same shape.
     */
    public static Tensor addRmsNorm(Tensor x, Tensor y, Tensor weight, float eps) {
        if (!Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException("addRmsNorm: residual " + Arrays.toString(x.shape()) + " and branch "
                    + Arrays.toString(y.shape()) + " differ in shape");
        }
        requireGain(y, weight, "addRmsNorm weight");
        return Tensor.fromHelper(helper().call("add_rms_norm", x.array(), y.array(), weight.array(), (double) eps),
                null);
    }

    /** Layer norm over the last axis without affine parameters (elementwise_affine=False). */
    public static Tensor layerNorm(Tensor x, float eps) {
        return Tensor.fromHelper(helper().call("layer_norm", x.array(), (double) eps), x.type());
    }

    /** Layer norm over the last axis with weight and bias ([dim] each). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        requireLastAxis(x, weight, "layerNorm weight");
        requireLastAxis(x, bias, "layerNorm bias");
        return Tensor.fromHelper(helper().call("layer_norm_affine", x.array(), weight.array(), bias.array(), (double) eps),
                null);
    }

    /** Group norm of [N, C, ...] with per-channel weight and bias [C]. */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        checkGroupNorm(x, groups, weight, bias);
        return Tensor.fromHelper(helper().call("group_norm", x.array(), (long) groups, weight.array(), bias.array(),
                (double) eps), null);
    }

    /** silu(groupNorm(x)): the VAE's norm + activation pair in one call. */
    public static Tensor groupNormSilu(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        checkGroupNorm(x, groups, weight, bias);
        return Tensor.fromHelper(helper().call("group_norm_silu", x.array(), (long) groups, weight.array(), bias.array(),
                (double) eps), null);
    }

    private static void checkGroupNorm(Tensor x, int groups, Tensor weight, Tensor bias) {
        long[] xs = x.shape();
        if (xs.length < 2 || groups < 1 || xs[1] % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + groups + " groups on shape " + Arrays.toString(xs)
                    + " (channels on axis 1 must divide into the groups)");
        }
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p.rank() != 1 || p.dim(0) != xs[1]) {
                throw new IllegalArgumentException("groupNorm: parameter " + Arrays.toString(p.shape()) + " for "
                        + xs[1] + " channels");
            }
        }
    }

    /** silu(gate) * up: the SwiGLU feed-forward's gate, in one call. */
    public static Tensor siluMul(Tensor gate, Tensor up) {
        return Tensor.fromHelper(helper().call("silu_mul", gate.array(), up.array()), null);
    }

    /**
     * {@code y += scale · (x·Aᵀ)·Bᵀ}: a LoRA update added to a linear layer's output, with A [rank, in] and
     * B [out, rank] as stored in LoRA files (x [..., in], y [..., out]). One native call whose second product
     * accumulates straight into y (a GEMM with beta = 1), so the update costs its arithmetic share and no extra
     * pass over y. {@code y} must be a contiguous temporary the caller owns (a linear layer's fresh output); it is
     * updated and returned.
     */
    public static Tensor addLowRankInPlace(Tensor y, Tensor x, Tensor a, Tensor b, float scale) {
        long[] xs = x.shape();
        long[] ys = y.shape();
        long[] as = a.shape();
        long[] bs = b.shape();
        if (as.length != 2 || bs.length != 2 || as[0] != bs[1] || xs.length == 0 || xs[xs.length - 1] != as[1]
                || ys.length != xs.length || ys[ys.length - 1] != bs[0]
                || !Arrays.equals(Arrays.copyOf(xs, xs.length - 1), Arrays.copyOf(ys, ys.length - 1))) {
            throw new IllegalArgumentException("addLowRankInPlace: y " + Arrays.toString(ys) + ", x "
                    + Arrays.toString(xs) + ", A " + Arrays.toString(as) + ", B " + Arrays.toString(bs)
                    + " do not fit (A [rank, in], B [out, rank], x [..., in], y [..., out])");
        }
        helper().call("low_rank_add_", y.writable(), x.array(), a.array(), b.array(), (double) scale).close();
        return y;
    }

    /**
     * {@link #siluMul} written over {@code gate}, which is returned: no new tensor, so no fresh memory to fault in
     * and fill (for a feed-forward's largest activation). {@code gate} must be a temporary the caller owns.
     */
    public static Tensor siluMulInPlace(Tensor gate, Tensor up) {
        if (!Arrays.equals(gate.shape(), up.shape()) || gate.type() != up.type()) {
            throw new IllegalArgumentException("siluMulInPlace: gate " + gate + " and up " + up
                    + " must have the same shape and type");
        }
        helper().call("silu_mul_", gate.writable(), up.array()).close();
        return gate;
    }

    /**
     * Rotary embedding on adjacent pairs (x[2i], x[2i+1]) as complex numbers times cos + i sin: exactly Z-Image's
     * {@code view_as_real(view_as_complex(x.float().reshape(..., -1, 2)) * freqs_cis).flatten(-2).type_as(x)} (the
     * helper does the same complex multiply, ~10x faster than the real-arithmetic form). cos and sin hold one
     * angle per pair: their last axis is half of x's, broadcastable over the rest.
     */
    public static Tensor ropePairs(Tensor x, Tensor cos, Tensor sin) {
        if (x.dim(-1) % 2 != 0 || cos.dim(-1) * 2 != x.dim(-1) || sin.dim(-1) != cos.dim(-1)) {
            throw new IllegalArgumentException("ropePairs: x " + Arrays.toString(x.shape()) + " needs cos/sin with"
                    + " last axis " + x.dim(-1) / 2 + ", got " + Arrays.toString(cos.shape()) + " / "
                    + Arrays.toString(sin.shape()));
        }
        return Tensor.fromHelper(helper().call("rope_pairs", x.array(), cos.array(), sin.array()), x.type());
    }

    /**
     * {@link #ropePairs} of x [B, S, heads, D], delivered as [B, heads, S, D] in row-major order: the layout
     * fused attention reads fastest (about 10 % faster than a transposed view), written directly instead of
     * through a second transposing copy. cos and sin broadcast against [B, S, 1, D/2].
     */
    public static Tensor ropePairsHeadsFirst(Tensor x, Tensor cos, Tensor sin) {
        if (x.rank() != 4 || x.dim(-1) % 2 != 0 || cos.rank() != 4 || cos.dim(-1) * 2 != x.dim(-1)
                || !Arrays.equals(cos.shape(), sin.shape())) {
            throw new IllegalArgumentException("ropePairsHeadsFirst: x " + Arrays.toString(x.shape()) + " must be"
                    + " [B, S, heads, D] with cos/sin [B, S, 1, D/2], got " + Arrays.toString(cos.shape()) + " / "
                    + Arrays.toString(sin.shape()));
        }
        return Tensor.fromHelper(helper().call("rope_pairs_heads_first", x.array(), cos.array(), sin.array()),
                x.type());
    }

    /**
     * Z-Image's attention core in one native call: q and k RMS-normed over the head axis (gains {@code gainQ},
     * {@code gainK} [headDim], as {@link #rmsNorm}), rotated as {@link #ropePairsHeadsFirst}, and, with v, written
     * into one row-major [3, B, heads, S, headDim] buffer that fused attention reads fastest; then attention, and
     * the output as [B, S, heads·headDim]. Same values as those ops called one by one, without their temporaries
     * and calls. q, k, v are [B, S, heads, headDim]; cos and sin [B, S, 1, headDim/2]; {@code mask} as for
     * {@link #attention(Tensor, Tensor, Tensor, Tensor, boolean)}, or null.
     */
    public static Tensor rotaryAttention(Tensor q, Tensor k, Tensor v, Tensor gainQ, Tensor gainK, float eps,
            Tensor cos, Tensor sin, Tensor mask) {
        long[] qs = q.shape();
        if (qs.length != 4 || qs[3] % 2 != 0 || !Arrays.equals(qs, k.shape()) || !Arrays.equals(qs, v.shape())) {
            throw new IllegalArgumentException("rotaryAttention: q " + Arrays.toString(qs) + ", k "
                    + Arrays.toString(k.shape()) + ", v " + Arrays.toString(v.shape())
                    + " must all be [B, S, heads, headDim] with an even headDim");
        }
        requireLastAxis(q, gainQ, "rotaryAttention q gain");
        requireLastAxis(k, gainK, "rotaryAttention k gain");
        long[] cs = cos.shape();
        if (cs.length != 4 || !Arrays.equals(cs, sin.shape()) || (cs[0] != 1 && cs[0] != qs[0]) || cs[1] != qs[1]
                || cs[2] != 1 || cs[3] * 2 != qs[3]) {
            throw new IllegalArgumentException("rotaryAttention: cos/sin " + Arrays.toString(cs) + " / "
                    + Arrays.toString(sin.shape()) + " do not fit [B, S, 1, headDim/2] for q " + Arrays.toString(qs));
        }
        if (mask == null) {
            return Tensor.fromHelper(helper().call("rotary_attention", q.array(), k.array(), v.array(),
                    gainQ.array(), gainK.array(), (double) eps, cos.array(), sin.array()), q.type());
        }
        checkMask(mask, qs[1], qs[1], "rotaryAttention");
        return Tensor.fromHelper(helper().call("rotary_attention_mask", q.array(), k.array(), v.array(),
                gainQ.array(), gainK.array(), (double) eps, cos.array(), sin.array(), mask.array()), q.type());
    }

    /**
     * One whole sandwich transformer block in one native call, the same ops as calling them one by one:
     * <pre>
     *   m = chunk(modulation, 4)                               (absent: scales 1, gates 1)
     *   h = x + attentionNorm2 ⊙ tanh(m1) ⊙ rms(attention(attentionNorm1 ⊙ (1 + m0) ⊙ rms(x)))
     *   out = h + ffnNorm2 ⊙ tanh(m3) ⊙ rms(w2 · (silu(w1 · y) ⊙ w3 · y)),  y = ffnNorm1 ⊙ (1 + m2) ⊙ rms(h)
     * </pre>
     * where attention is {@link #rotaryAttention} of the to_q/to_k/to_v projections followed by to_out. Running the
     * block inside libtorch lets each temporary be freed (and its memory reused while still in cache) the moment
     * it is dead, and skips a Java round trip per op: about 4 % of a block's time on a 2-core CPU.
     *
     * @param x          [B, S, dim]
     * @param modulation [B, 1, 4·dim] (scale, gate, scale, gate for the two branches), or null for an unmodulated
     *                   block
     * @param cos        [B, S, 1, headDim/2], as {@link #rotaryAttention}; so is {@code sin}
     * @param mask       a key mask as for {@link #attention(Tensor, Tensor, Tensor, Tensor, boolean)}, or null
     */
    public static Tensor sandwichBlock(Tensor x, SandwichBlockWeights w, Tensor modulation, Tensor cos, Tensor sin,
            Tensor mask) {
        return sandwichBlock(x, w, modulation, cos, sin, mask, null);
    }

    /**
     * {@link #sandwichBlock(Tensor, SandwichBlockWeights, Tensor, Tensor, Tensor, Tensor)} with low-rank updates
     * (runtime LoRA adapters) added to the linears' outputs, as {@link #addLowRankInPlace} would after each:
     * {@code updates} holds one list per linear in the order to_q, to_k, to_v, to_out, w1, w2, w3 (empty lists for
     * layers without one), or is null. Linears that read the same input (q, k and v; w1 and w3) share one product
     * with all their terms' down factors stacked.
     */
    public static Tensor sandwichBlock(Tensor x, SandwichBlockWeights w, Tensor modulation, Tensor cos, Tensor sin,
            Tensor mask, List<List<LowRankUpdate>> updates) {
        long[] xs = x.shape();
        if (xs.length != 3 || !x.type().isFloating()) {
            throw new IllegalArgumentException("sandwichBlock: x " + x + " must be floating point [B, S, dim]");
        }
        w.check(xs[2], x.type());
        long headDim = w.toQ().dim(0) / w.heads();
        if (modulation != null && (modulation.rank() != 3 || (modulation.dim(0) != 1 && modulation.dim(0) != xs[0])
                || modulation.dim(1) != 1 || modulation.dim(2) != 4 * xs[2] || modulation.type() != x.type())) {
            throw new IllegalArgumentException("sandwichBlock: modulation " + modulation + " must be " + x.type()
                    + " [B, 1, " + 4 * xs[2] + "]");
        }
        long[] cs = cos.shape();
        if (cs.length != 4 || !Arrays.equals(cs, sin.shape()) || (cs[0] != 1 && cs[0] != xs[0]) || cs[1] != xs[1]
                || cs[2] != 1 || cs[3] * 2 != headDim) {
            throw new IllegalArgumentException("sandwichBlock: cos/sin " + Arrays.toString(cs) + " / "
                    + Arrays.toString(sin.shape()) + " do not fit [B, S, 1, headDim/2] for x " + Arrays.toString(xs)
                    + " and head size " + headDim);
        }
        if (mask != null) {
            checkMask(mask, xs[1], xs[1], "sandwichBlock");
        }
        Tensor[] weights = w.inScriptOrder();
        PtNDArray[] ws = new PtNDArray[weights.length];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = weights[i].array();
        }
        Tensor[] layer = w.linears();
        String[] names = {"to_q", "to_k", "to_v", "to_out", "w1", "w2", "w3"};
        long rows = xs[0] * xs[1];
        List<PackedWeight> packed = w.packed();
        if (!packed.isEmpty() && packed.size() != layer.length) {
            throw new IllegalArgumentException("sandwichBlock: " + packed.size() + " packed weights for the "
                    + layer.length + " linears " + Arrays.toString(names));
        }
        // A packed copy is read with its weight's dimensions and no further check in native code: only the very
        // copy made from that weight for this row count may go.
        PtNDArray[] pws = new PtNDArray[packed.size()];
        for (int p = 0; p < pws.length; p++) {
            PackedWeight pw = packed.get(p);
            if (!pw.fits(layer[p], rows)) {
                throw new IllegalArgumentException("sandwichBlock: the packed " + names[p] + (pw.isClosed()
                        ? " is closed" : " was not made from this weight for " + rows + " rows (it was for "
                        + pw.rows() + ")"));
            }
            pws[p] = packed.get(p).array();
        }
        List<List<LowRankUpdate>> terms = updates == null ? List.of() : updates;
        if (updates != null && updates.size() != layer.length) {
            throw new IllegalArgumentException("sandwichBlock: " + updates.size() + " update lists for the "
                    + layer.length + " linears " + Arrays.toString(names));
        }
        int count = terms.stream().mapToInt(List::size).sum();
        PtNDArray[] downs = new PtNDArray[count];
        PtNDArray[] ups = new PtNDArray[count];
        double[] factors = new double[count];
        long[] targets = new long[count];
        int i = 0;
        // the helper numbers the linears so that siblings are adjacent: q 0, k 1, v 2, out 3, w1 4, w3 5, w2 6
        for (long helperIndex = 0; helperIndex < terms.size(); helperIndex++) {
            int j = helperIndex == 5 ? 6 : helperIndex == 6 ? 5 : (int) helperIndex;
            for (LowRankUpdate u : terms.get(j)) {
                checkLowRank(u, layer[j], x.type(), names[j]);
                downs[i] = u.down().array();
                ups[i] = u.up().array();
                factors[i] = u.factor();
                targets[i++] = helperIndex;
            }
        }
        return Tensor.fromHelper(helper().call("sandwich_block", x.array(), ws, pws, rows,
                modulation == null ? new PtNDArray[0] : new PtNDArray[] {modulation.array()},
                mask == null ? new PtNDArray[0] : new PtNDArray[] {mask.array()}, cos.array(), sin.array(),
                (long) w.heads(), (double) w.eps(), (double) w.qkEps(), downs, ups, factors, targets), x.type());
    }

    /** A low-rank term that fits {@code weight} [out, in]: down [rank, in], up [out, rank], the input's type. */
    private static void checkLowRank(LowRankUpdate u, Tensor weight, ElementType type, String layer) {
        long[] ds = u.down().shape();
        long[] us = u.up().shape();
        if (ds.length != 2 || us.length != 2 || ds[0] < 1 || ds[0] != us[1] || ds[1] != weight.dim(1)
                || us[0] != weight.dim(0) || u.down().type() != type || u.up().type() != type
                || !Float.isFinite(u.factor())) {
            throw new IllegalArgumentException("sandwichBlock: low-rank update " + Arrays.toString(us) + " x "
                    + Arrays.toString(ds) + " (" + u.down().type() + ", factor " + u.factor() + ") does not fit"
                    + " linear " + layer + " " + Arrays.toString(weight.shape()) + " in " + type);
        }
    }

    /**
     * Rotary embedding in the rotate-half layout (Qwen3/Llama): x * cos + rotate_half(x) * sin, where
     * rotate_half(x) = cat(-x[d/2:], x[:d/2]); cos and sin ([..., d], broadcastable) are cast to x's type first.
     */
    public static Tensor ropeHalf(Tensor x, Tensor cos, Tensor sin) {
        if (x.dim(-1) % 2 != 0 || cos.dim(-1) != x.dim(-1) || sin.dim(-1) != x.dim(-1)) {
            throw new IllegalArgumentException("ropeHalf: x " + Arrays.toString(x.shape()) + " needs cos/sin with"
                    + " last axis " + x.dim(-1) + ", got " + Arrays.toString(cos.shape()) + " / "
                    + Arrays.toString(sin.shape()));
        }
        return Tensor.fromHelper(helper().call("rope_half", x.array(), cos.array(), sin.array()), x.type());
    }

    /** A gain that broadcasts against x and has x's last axis. */
    private static void requireGain(Tensor x, Tensor g, String what) {
        long[] xs = x.shape();
        long[] gs = g.shape();
        boolean ok = gs.length >= 1 && gs.length <= xs.length && gs[gs.length - 1] == xs[xs.length - 1];
        for (int i = 2; ok && i <= gs.length; i++) {
            long d = gs[gs.length - i];
            ok = d == 1 || d == xs[xs.length - i];
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " " + Arrays.toString(gs) + " does not broadcast against "
                    + Arrays.toString(xs) + " with the same last axis");
        }
    }

    private static void requireLastAxis(Tensor x, Tensor p, String what) {
        if (p.rank() != 1 || p.dim(0) != x.dim(-1)) {
            throw new IllegalArgumentException(what + " " + Arrays.toString(p.shape()) + " does not match the last"
                    + " axis of " + Arrays.toString(x.shape()));
        }
    }
}
