package io.github.jimengstudio.pipeline;

/** The parts of a generation, in the order they run; each is timed in the {@link GenerationRecord}. */
public enum Stage {
    /** Opening the weight files and moving the networks to their devices (only when not yet loaded). */
    LOADING("loading model"),
    /** Chat template, tokenizer and text encoder (skipped when the prompt cache has the embedding). */
    ENCODING("encoding prompt"),
    /** The transformer steps: noise to latent image. */
    DENOISING("denoising"),
    /** The VAE: latent to pixels. */
    DECODING("decoding image");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    /** A few words for progress bars and status lines. */
    public String label() {
        return label;
    }

    /** The key used in the record's timings, e.g. {@code encoding}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
