package io.github.jimengstudio.dit;

import static io.github.jimengstudio.dit.ZImageTransformerConfig.FREQUENCY_EMBEDDING_SIZE;

/**
 * The timestep conditioning (spec §4.3): a 256-wide sinusoid of t·t_scale, cosines first, then a two-layer MLP.
 */
public final class TimestepEmbedder {

    private static final double MAX_PERIOD = 10000;

    /**
     * The sinusoid for each t, [t.length × 256] row-major, in float32 arithmetic as the reference computes it:
     * f_j = exp(−ln(10000)·j/128), a = (t·t_scale)·f_j, then [cos a, sin a].
     */
    public static float[] sinusoid(float[] t, double tScale) {
        int half = FREQUENCY_EMBEDDING_SIZE / 2;
        float[] freqs = new float[half];
        float logPeriod = (float) -Math.log(MAX_PERIOD);
        for (int j = 0; j < half; j++) {
            freqs[j] = (float) Math.exp(logPeriod * j / half);
        }
        float[] out = new float[t.length * FREQUENCY_EMBEDDING_SIZE];
        for (int b = 0; b < t.length; b++) {
            float scaled = t[b] * (float) tScale;
            for (int j = 0; j < half; j++) {
                float a = scaled * freqs[j];
                out[b * FREQUENCY_EMBEDDING_SIZE + j] = (float) Math.cos(a);
                out[b * FREQUENCY_EMBEDDING_SIZE + half + j] = (float) Math.sin(a);
            }
        }
        return out;
    }
}
