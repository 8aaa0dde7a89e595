package io.github.jimengstudio.dit;

import static io.github.jimengstudio.dit.ZImageTransformerConfig.FREQUENCY_EMBEDDING_SIZE;
import static io.github.jimengstudio.dit.ZImageTransformerConfig.TIMESTEP_MLP_WIDTH;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;
import java.util.List;

/**
 * The timestep conditioning (spec §4.3): a 256-wide sinusoid of t·t_scale, cosines first, then
 * Linear(256 → 1024), SiLU, Linear(1024 → min(dim, 256)). The result is the adaLN input of every modulated block.
 */
final class TimestepEmbedder {

    private static final double MAX_PERIOD = 10000;

    private final Linear mlp0;
    private final Linear mlp2;
    private final double tScale;

    TimestepEmbedder(WeightLoader w, ZImageTransformerConfig c) throws IOException {
        mlp0 = Linear.load(w, "t_embedder.mlp.0", FREQUENCY_EMBEDDING_SIZE, TIMESTEP_MLP_WIDTH, true);
        mlp2 = Linear.load(w, "t_embedder.mlp.2", TIMESTEP_MLP_WIDTH, c.adalnDim(), true);
        tScale = c.tScale();
    }

    List<Linear> linears() {
        return List.of(mlp0, mlp2);
    }

    /** [t.length, adaln_dim] in {@code type}; the sinusoid goes to {@code trace} as {@code t_freq}. */
    Tensor forward(float[] t, ElementType type, ForwardTrace trace) {
        try (TensorScope s = TensorScope.open()) {
            Tensor freq = Tensor.of(sinusoid(t, tScale), t.length, FREQUENCY_EMBEDDING_SIZE);
            trace.record("t_freq", freq);
            return s.keep(mlp2.forward(mlp0.forward(freq.to(type)).silu()));
        }
    }

    /**
     * The sinusoid for each t, [t.length × 256] row-major, in float32 arithmetic as the reference computes it:
     * f_j = exp(−ln(10000)·j/128), a = (t·t_scale)·f_j, then [cos a, sin a].
     */
    static float[] sinusoid(float[] t, double tScale) {
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
