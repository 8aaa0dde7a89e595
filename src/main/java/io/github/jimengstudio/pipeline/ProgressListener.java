package io.github.jimengstudio.pipeline;

import java.time.Duration;

/**
 * What a generation reports while it runs. Every method has an empty default, so a listener implements only what it
 * shows. Calls come on the generating thread, in this order: {@code stage(LOADING)} (only when the model is loaded
 * now), {@code stage(ENCODING)} with its {@code stageProgress}, {@code stage(DENOISING)}, then per step {@code step}
 * and {@code preview}, {@code stage(DECODING)} with its {@code stageProgress}, and last exactly one of
 * {@code finished}, {@code cancelled} or {@code failed}. A listener
 * must return quickly (copy the preview and hand it to the UI thread); an exception it throws fails the generation.
 */
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {};

    /** A new stage begins. */
    default void stage(Stage stage) {}

    /**
     * How far a long stage is, between its layers or tiles: the text encoder's layers while {@code ENCODING} (with
     * guidance the prompt is the first half and the negative prompt the second; a prompt from the cache reports
     * nothing), the VAE's layers and tiles while {@code DECODING}. Denoising reports through {@link #step}.
     *
     * @param fraction of the stage done, 0 to 1; never decreases within a stage, and a completed decode ends at 1
     * @param detail   where the stage is, e.g. {@code "tile 3/9, up block 2/4"} or {@code "prompt, layer 12/35"};
     *                 may be empty
     */
    default void stageProgress(Stage stage, double fraction, String detail) {}

    /**
     * Denoising step {@code step} of {@code steps} (1-based) is done.
     *
     * @param elapsed time since denoising began
     * @param eta     estimated time until the last step is done (from the mean step time so far)
     */
    default void step(int step, int steps, Duration elapsed, Duration eta) {}

    /** The approximate picture after a step. */
    default void preview(PreviewImage preview) {}

    /** Something the user should know that does not stop the generation, e.g. a prompt cut at 512 tokens. */
    default void warning(String message) {}

    /** The image is ready. */
    default void finished(GeneratedImage image) {}

    /** The user cancelled; the pipeline is ready for the next request. */
    default void cancelled(String message) {}

    /** The generation failed; the exception carries a message meant for the user. */
    default void failed(Throwable error) {}
}
