package io.github.jimengstudio.vae;

/**
 * A decoded picture before quantisation: {@code rgb} holds {@code width * height * 3} floats in [0, 1], row-major,
 * RGB interleaved (diffusers' output_type "np"). Tests compare it with the reference; the pipeline keeps
 * {@link #toRgb8()}.
 */
public record DecodedImage(int width, int height, float[] rgb) {

    public DecodedImage {
        if (width < 1 || height < 1 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("a decoded image of " + width + "x" + height + " needs "
                    + 3L * width * height + " values, got " + rgb.length);
        }
    }

    /** The 8-bit picture, rounded exactly as the reference does. */
    public RgbImage toRgb8() {
        return new RgbImage(width, height, Pixels.toRgb8(rgb));
    }
}
