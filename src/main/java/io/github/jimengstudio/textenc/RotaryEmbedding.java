package io.github.jimengstudio.textenc;

import io.github.jimengstudio.runtime.Tensor;

/**
 * Qwen3's rotary position tables in the rotate-half layout: for position p and frequency i,
 * {@code angle = p · theta^(−2i/d)}, and cos/sin of it fill both halves of the head ({@code cat(freqs, freqs)}),
 * because rotate_half pairs dimension i with i + d/2.
 *
 * <p>Computed in Java the way transformers computes them in float32: the inverse frequency rounded to float, the
 * angle as a float product (at position 500 an angle rounding differs by up to 3e-5 from the exact one, so doing
 * it in double would not match), then cos and sin of that float.
 */
final class RotaryEmbedding {

    private final int headDim;
    private final float[] inverseFrequency;

    RotaryEmbedding(int headDim, double theta) {
        this.headDim = headDim;
        this.inverseFrequency = new float[headDim / 2];
        for (int i = 0; i < inverseFrequency.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inverseFrequency[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
    }

    /** cos and sin for positions 0 .. length−1, each {@code [length, headDim]}, row-major. */
    float[][] tables(int length) {
        int half = headDim / 2;
        float[] cos = new float[length * headDim];
        float[] sin = new float[length * headDim];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = inverseFrequency[i] * (float) p;
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }

    /** The tables as tensors {@code [length, headDim]}: element 0 is cos, element 1 sin. */
    Tensor[] forLength(int length) {
        float[][] t = tables(length);
        return new Tensor[] {Tensor.of(t[0], length, headDim), Tensor.of(t[1], length, headDim)};
    }
}
