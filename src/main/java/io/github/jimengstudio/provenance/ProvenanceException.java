package io.github.jimengstudio.provenance;

/** An image's provenance is missing or cannot be read; the message says which and what to do. */
public final class ProvenanceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ProvenanceException(String message) {
        super(message);
    }

    public ProvenanceException(String message, Throwable cause) {
        super(message, cause);
    }
}
