package io.github.jimengstudio.pipeline;

/**
 * Where the three networks live during a generation. On a machine without a GPU every mode runs on the CPU and
 * gives the same pixels; the mode only changes what is resident where.
 */
public enum MemoryMode {
    /** Everything resident on the GPU: fastest, needs the most memory. */
    GPU,
    /** Transformer on the GPU; text encoder and VAE on the CPU. */
    BALANCED,
    /** Each component visits the GPU in turn and leaves it afterwards (8–12 GB cards). */
    LOW_VRAM,
    /** Everything on the CPU (in float32 unless the request asks for bfloat16). */
    CPU
}
