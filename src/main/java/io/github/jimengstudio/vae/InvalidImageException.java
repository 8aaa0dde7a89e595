package io.github.jimengstudio.vae;

/**
 * An image the VAE refuses to encode: not RGB, a size the encoder cannot map onto whole latent cells, or values
 * that are not finite. The message says which.
 */
public class InvalidImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidImageException(String message) {
        super(message);
    }
}
