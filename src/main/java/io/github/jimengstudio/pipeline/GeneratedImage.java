package io.github.jimengstudio.pipeline;

import java.util.Objects;

/**
 * A finished image and how it was made.
 *
 * @param width  pixels across
 * @param height pixels down
 * @param rgb    interleaved 8-bit RGB, row by row from the top, {@code width·height·3} bytes (the array is owned by
 *               this image: do not modify it)
 * @param record the request, model, software, device and timings
 */
public record GeneratedImage(int width, int height, byte[] rgb, GenerationRecord record) {

    public GeneratedImage {
        Objects.requireNonNull(rgb, "rgb");
        Objects.requireNonNull(record, "record");
        if (width < 1 || height < 1 || (long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs "
                    + ((long) width * height * 3) + " bytes, got " + rgb.length);
        }
    }

    /** The pixel at (x, y) as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") of a " + width + "x" + height
                    + " image");
        }
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
    }
}
