package io.github.jimengstudio.vae;

import java.util.Arrays;

/**
 * One picture as the VAE encoder reads it: float32 NCHW {@code [1, 3, height, width]}, values about [-1, 1].
 * Construction checks what the encoder cannot check cheaply in native code: three channels, a consistent size,
 * finite values (a NaN would spread through every GroupNorm into the whole latent).
 *
 * @param values the three channel planes, red then green then blue, each row-major
 */
public record EncoderInput(int height, int width, float[] values) {

    /** Validates size and values; see the class comment. */
    public EncoderInput {
        if (height < 1 || width < 1) {
            throw new InvalidImageException("an image of " + width + "x" + height + " pixels has nothing to encode");
        }
        long numel = 3L * height * width;
        if (values.length != numel) {
            throw new InvalidImageException("an RGB image of " + width + "x" + height + " needs " + numel
                    + " values, got " + values.length);
        }
        int plane = height * width;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidImageException("the image holds " + values[i] + " in channel " + i / plane
                        + " at x " + i % plane % width + ", y " + i % plane / width + "; the VAE encodes finite"
                        + " pixel values only");
            }
        }
    }

    /**
     * diffusers' {@code VaeImageProcessor.preprocess} for an 8-bit RGB picture (what the img2img and inpaint
     * pipelines do to their source image): {@code 2 · (u / 255) − 1} per value in float32 (numpy divides in
     * float32, then the normalisation runs in float32 too), from interleaved HWC to planar CHW. The size is kept:
     * resizing to multiples of 16 is the caller's business, as in the pipelines.
     */
    public static EncoderInput fromRgb8(RgbImage image) {
        int h = image.height();
        int w = image.width();
        int plane = h * w;
        byte[] rgb = image.rgb();
        float[] chw = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + p] = 2f * ((rgb[3 * p + c] & 0xff) / 255f) - 1f;
            }
        }
        return new EncoderInput(h, w, chw);
    }

    /**
     * An image tensor of any shape, checked: it must be {@code [1, 3, height, width]}.
     *
     * @throws InvalidImageException naming what is wrong (a grayscale or RGBA image is refused by its channel count)
     */
    public static EncoderInput of(float[] values, long... shape) {
        if (shape.length != 4 || shape[0] != 1) {
            throw new InvalidImageException("image has shape " + Arrays.toString(shape) + "; the VAE encoder reads"
                    + " one image [1, 3, height, width]");
        }
        if (shape[1] != 3) {
            throw new InvalidImageException("image " + Arrays.toString(shape) + " has " + shape[1] + " channels; the"
                    + " VAE encoder reads RGB (3): convert a grayscale or RGBA image to RGB first");
        }
        if (shape[2] < 1 || shape[3] < 1 || shape[2] * shape[3] > (Integer.MAX_VALUE - 8) / 3) {
            throw new InvalidImageException("image has shape " + Arrays.toString(shape) + "; its size is out of"
                    + " range");
        }
        return new EncoderInput((int) shape[2], (int) shape[3], values);
    }

    public long[] shape() {
        return new long[] {1, 3, height, width};
    }

    /** The pixels of rows {@code y0..y0+h-1} and columns {@code x0..x0+w-1}, all channels (a tile). */
    EncoderInput crop(int y0, int x0, int h, int w) {
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(values, (c * height + y0 + y) * width + x0, out, (c * h + y) * w, w);
            }
        }
        return new EncoderInput(h, w, out);
    }
}
