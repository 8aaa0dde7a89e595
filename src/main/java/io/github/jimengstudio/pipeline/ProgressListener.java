package io.github.jimengstudio.pipeline;

import java.time.Duration;

/**
 * What a generation reports while it runs. Every method has an empty default, so a listener implements only what it
 * shows. Calls come on the generating thread, in this order: {@code stage(LOADING)} (only when the model is loaded
 * now), {@code stage(ENCODING)}, {@code stage(DENOISING)}, then per step {@code step} and {@code preview},
 * {@code stage(DECODING)}, and last exactly one of {@code finished}, {@code cancelled} or {@code failed}. A listener
 * must return quickly (copy the preview and hand it to the UI thread); an exception it throws fails the generation.
 */
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {};

    /** A new stage begins. */
    default void stage(Stage stage) {}

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
