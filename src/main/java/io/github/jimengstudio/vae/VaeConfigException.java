package io.github.jimengstudio.vae;

import java.io.IOException;

/** A VAE {@code config.json} that is missing, malformed, or describes an autoencoder this decoder does not run. */
public class VaeConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public VaeConfigException(String message) {
        super(message);
    }

    public VaeConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
