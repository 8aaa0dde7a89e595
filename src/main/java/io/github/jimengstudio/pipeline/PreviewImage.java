package io.github.jimengstudio.pipeline;

import java.util.Objects;

/**
 * A small, approximate picture of a generation in progress: one pixel per latent pixel (an eighth of the final
 * size in each direction), made by {@link LatentPreview}.
 *
 * @param step   the step just finished, 1-based
 * @param steps  the number of steps
 * @param width  pixels across
 * @param height pixels down
 * @param rgb    interleaved 8-bit RGB, row by row, {@code width·height·3} bytes
 */
public record PreviewImage(int step, int steps, int width, int height, byte[] rgb) {
    public PreviewImage {
        Objects.requireNonNull(rgb, "rgb");
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("preview " + width + "x" + height + " needs " + (width * height * 3)
                    + " bytes, got " + rgb.length);
        }
    }
}
