package io.github.jimengstudio.pipeline;

/** The user cancelled; not an error. Nothing is left half-done: the pipeline can run the next request at once. */
public class GenerationCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GenerationCancelledException(String message) {
        super(message);
    }
}
