package io.github.jimengstudio.dit;

import java.util.List;

/**
 * Z-Image's three-axis rotary embedding, as cos/sin factors per position (spec §4.6). Each axis a of width d_a has
 * its own table for positions 0..len_a−1: angle = pos·θ^(−2j/d_a), j < d_a/2, computed in float64 and cast to
 * float32, then cos and sin in float32 (the reference builds {@code polar(1, angle)} in complex64). A token's
 * factors are its three axes' rows side by side, one (cos, sin) per adjacent pair of the head dimension.
 */
public final class RopeEmbedder {

    private final int[] axesDims;
    private final int[] axesLens;
    private final int pairs;
    /** Per axis, [len_a][d_a/2] row-major. */
    private final float[][] cos;
    private final float[][] sin;

    public RopeEmbedder(double theta, int[] axesDims, int[] axesLens) {
        if (axesDims.length != axesLens.length) {
            throw new IllegalArgumentException("axes_dims and axes_lens differ in length");
        }
        this.axesDims = axesDims.clone();
        this.axesLens = axesLens.clone();
        int p = 0;
        cos = new float[axesDims.length][];
        sin = new float[axesDims.length][];
        for (int a = 0; a < axesDims.length; a++) {
            int d = axesDims[a];
            int half = d / 2;
            double[] freq = new double[half];
            for (int j = 0; j < half; j++) {
                freq[j] = 1.0 / Math.pow(theta, (2.0 * j) / d);
            }
            cos[a] = new float[axesLens[a] * half];
            sin[a] = new float[axesLens[a] * half];
            for (int pos = 0; pos < axesLens[a]; pos++) {
                for (int j = 0; j < half; j++) {
                    float angle = (float) (pos * freq[j]);
                    cos[a][pos * half + j] = (float) Math.cos(angle);
                    sin[a][pos * half + j] = (float) Math.sin(angle);
                }
            }
            p += half;
        }
        pairs = p;
    }

    public static RopeEmbedder of(ZImageTransformerConfig config) {
        return new RopeEmbedder(config.ropeTheta(), config.axesDims(), config.axesLens());
    }

    /** Rotation pairs per head: head_dim / 2. */
    public int pairs() {
        return pairs;
    }

    public int axes() {
        return axesDims.length;
    }

    /**
     * Writes the factors of {@code ids} (n tokens × axes, row-major) into {@code cosOut}/{@code sinOut} at row
     * {@code rowOffset} ({@link #pairs()} values per token).
     *
     * @throws IllegalArgumentException when an id lies outside its axis table
     */
    public void lookup(int[] ids, float[] cosOut, float[] sinOut, int rowOffset) {
        int nAxes = axesDims.length;
        if (ids.length % nAxes != 0) {
            throw new IllegalArgumentException("position ids must come in groups of " + nAxes);
        }
        int n = ids.length / nAxes;
        for (int t = 0; t < n; t++) {
            int dst = (rowOffset + t) * pairs;
            for (int a = 0; a < nAxes; a++) {
                int id = ids[t * nAxes + a];
                if (id < 0 || id >= axesLens[a]) {
                    throw new IllegalArgumentException("position id " + id + " on axis " + a + " is outside the"
                            + " RoPE table of length " + axesLens[a] + " (axes_lens)");
                }
                int half = axesDims[a] / 2;
                System.arraycopy(cos[a], id * half, cosOut, dst, half);
                System.arraycopy(sin[a], id * half, sinOut, dst, half);
                dst += half;
            }
        }
    }

    /**
     * The factors of a batch: item i's tokens have ids {@code ids.get(i)} (tokens × axes, row-major); shorter
     * items are zero-padded to the longest.
     */
    public RopeFactors factors(List<int[]> ids) {
        int nAxes = axesDims.length;
        int length = 0;
        for (int[] item : ids) {
            length = Math.max(length, item.length / nAxes);
        }
        float[] c = new float[ids.size() * length * pairs];
        float[] s = new float[c.length];
        for (int b = 0; b < ids.size(); b++) {
            lookup(ids.get(b), c, s, b * length);
        }
        return new RopeFactors(ids.size(), length, pairs, c, s);
    }
}
