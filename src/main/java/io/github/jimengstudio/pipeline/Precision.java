package io.github.jimengstudio.pipeline;

/**
 * The compute precision of the transformer and the text encoder. The VAE always decodes in float32 (half-precision
 * VAEs are a known source of NaN/black images).
 */
public enum Precision {
    /** bfloat16 on a GPU, float32 on a CPU (bf16 matrix products run at about 1 GFLOP/s on AVX2 CPUs). */
    AUTO,
    FLOAT32,
    BFLOAT16
}
