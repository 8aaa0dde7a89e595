package io.github.jimengstudio.runtime;

/**
 * The tensor engine could not start or refused an operation at the native boundary. The message names the
 * problem and how to fix it (which setting, which file); it is meant to be shown to the user as is.
 */
public class TorchRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TorchRuntimeException(String message) {
        super(message);
    }

    public TorchRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
