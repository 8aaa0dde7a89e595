package io.github.jimengstudio.vae;

/** A latent the VAE refuses to decode: wrong shape, or values that are not finite. The message says which. */
public class InvalidLatentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidLatentException(String message) {
        super(message);
    }
}
