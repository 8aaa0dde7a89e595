package io.github.jimengstudio.vae;

/**
 * An 8-bit RGB picture: {@code rgb} holds {@code width * height * 3} bytes, row-major, red-green-blue interleaved,
 * each an unsigned value 0..255 stored in a Java byte. No ImageJ types, so the CLI and tests can use it.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width < 1 || height < 1 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + 3L * width * height + " bytes, got " + rgb.length);
        }
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel (x, y), as 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }
}
