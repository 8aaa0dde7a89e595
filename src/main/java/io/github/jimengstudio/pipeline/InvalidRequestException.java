package io.github.jimengstudio.pipeline;

/**
 * A generation request that cannot run as given. The message says what to change; it is raised before any
 * native work starts, so nothing is lost.
 */
public class InvalidRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message);
    }
}
