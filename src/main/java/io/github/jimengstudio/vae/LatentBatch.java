package io.github.jimengstudio.vae;

import java.util.Arrays;

/**
 * A validated batch of latents {@code [batch, 16, height, width]} (row-major float32), checked before anything
 * reaches native code: the channel count of the FLUX VAE, even sides (images are multiples of 16 pixels, so
 * latents are multiples of 2), a decoded image that fits a Java array, and only finite values — a NaN or infinite
 * latent would decode to a black or garbage picture, so it is refused with the place of the first bad value.
 */
public record LatentBatch(int batch, int height, int width, float[] values) {

    public static final int CHANNELS = VaeConfig.LATENT_CHANNELS;

    /** Validates shape and values; see the class comment. */
    public LatentBatch {
        String shape = "[" + batch + ", " + CHANNELS + ", " + height + ", " + width + "]";
        if (batch < 1) {
            throw new InvalidLatentException("latent batch is " + batch + "; decode at least one latent");
        }
        if (height < 2 || width < 2 || height % 2 != 0 || width % 2 != 0) {
            throw new InvalidLatentException("latent " + shape + " has an odd or too small side: latents are the"
                    + " image size / 8 and images are multiples of 16 pixels, so both sides must be even and at"
                    + " least 2 (e.g. 128x128 for 1024x1024)");
        }
        long pixels = 3L * 64 * height * width;
        if (pixels > Integer.MAX_VALUE - 8) {
            throw new InvalidLatentException("latent " + shape + " would decode to " + 8L * width + "x" + 8L * height
                    + " pixels, more than one image can hold; generate a smaller image");
        }
        long numel = (long) batch * CHANNELS * height * width;
        if (values.length != numel) {
            throw new InvalidLatentException("latent " + shape + " needs " + numel + " values, got "
                    + values.length);
        }
        int bad = -1;
        int badCount = 0;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                if (bad < 0) {
                    bad = i;
                }
                badCount++;
            }
        }
        if (bad >= 0) {
            int plane = height * width;
            throw new InvalidLatentException("latent holds " + values[bad] + " at [" + bad / (CHANNELS * plane) + ", "
                    + bad / plane % CHANNELS + ", " + bad % plane / width + ", " + bad % width + "] ("
                    + badCount + " non-finite of " + values.length + " values): the sampling diverged, so there is"
                    + " no picture to decode. Try another seed, fewer steps or guidance, a lower LoRA strength, or"
                    + " float32 instead of half precision");
        }
    }

    /**
     * A latent of any shape, checked: it must be {@code [batch, 16, height, width]}.
     *
     * @throws InvalidLatentException naming what is wrong
     */
    public static LatentBatch of(float[] values, long... shape) {
        if (shape.length != 4) {
            throw new InvalidLatentException("latent has shape " + Arrays.toString(shape) + "; the VAE decodes"
                    + " [batch, " + CHANNELS + ", height, width]");
        }
        if (shape[1] != CHANNELS) {
            throw new InvalidLatentException("latent " + Arrays.toString(shape) + " has " + shape[1]
                    + " channels; the FLUX VAE of Z-Image decodes " + CHANNELS + " (a 4-channel latent belongs to a"
                    + " Stable Diffusion VAE)");
        }
        for (long d : shape) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new InvalidLatentException("latent has shape " + Arrays.toString(shape)
                        + "; a dimension is out of range");
            }
        }
        return new LatentBatch((int) shape[0], (int) shape[2], (int) shape[3], values);
    }

    public long[] shape() {
        return new long[] {batch, CHANNELS, height, width};
    }

    /**
     * The decoder's input: the sampler's latents mapped back into the VAE's latent space, {@code x / scaling +
     * shift} in float32, as the pipeline computes it (the Python factors become float32 scalars).
     */
    public LatentBatch denormalized(VaeConfig config) {
        return new LatentBatch(batch, height, width, LatentScaling.toVaeSpace(values, config));
    }
}
