package io.github.jimengstudio.pipeline;

import java.util.Locale;

/**
 * The compute precision of the transformer and the text encoder. The VAE always decodes in float32 (half-precision
 * VAEs are a known source of NaN/black images).
 */
public enum Precision {
    /** bfloat16 on a GPU, float32 on a CPU (bf16 matrix products run at about 1 GFLOP/s on AVX2 CPUs). */
    AUTO,
    FLOAT32,
    BFLOAT16;

    /**
     * The precision {@code name} stands for: {@code auto}, {@code float32} or {@code bfloat16} in any case, or the
     * short forms {@code fp32} and {@code bf16} people type; null for anything else (the caller names the choices
     * in its own words).
     */
    public static Precision named(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "float32", "fp32" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            default -> null;
        };
    }
}
