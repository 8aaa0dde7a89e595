package io.github.jimengstudio.vae;

/**
 * What the VAE encoder says about one image, diffusers' {@code DiagonalGaussianDistribution}: a Gaussian per latent
 * value, its {@code mean} and {@code logvar} each {@code [1, 16, height, width]} (NCHW, float32). The encoder's 32
 * output channels are split in two (0..15 the mean, 16..31 the log-variance) and the log-variance is clamped to
 * [-30, 20], as diffusers does to keep {@code exp} finite.
 *
 * <p>These are latents in the VAE's own space; the sampler works on {@link LatentScaling#toSamplerSpace} of a
 * sample.
 *
 * @param height latent rows (image height / 8)
 * @param width latent columns (image width / 8)
 */
public record LatentDistribution(int height, int width, float[] mean, float[] logvar) {

    public static final int CHANNELS = VaeConfig.LATENT_CHANNELS;
    /** diffusers' clamp of the log-variance. */
    static final float LOGVAR_MIN = -30f;
    static final float LOGVAR_MAX = 20f;

    public LatentDistribution {
        long numel = (long) CHANNELS * height * width;
        if (height < 1 || width < 1 || mean.length != numel || logvar.length != numel) {
            throw new IllegalArgumentException("a latent distribution of " + height + "x" + width + " cells needs "
                    + numel + " means and log-variances, got " + mean.length + " and " + logvar.length);
        }
    }

    /**
     * The encoder's output for one image, {@code [1, 32, height, width]} as NCHW floats: split into mean and
     * log-variance, the log-variance clamped.
     */
    static LatentDistribution fromMoments(float[] moments, int height, int width) {
        int half = CHANNELS * height * width;
        if (moments.length != 2 * half) {
            throw new IllegalArgumentException("moments of " + height + "x" + width + " cells need " + 2 * half
                    + " values, got " + moments.length);
        }
        float[] mean = java.util.Arrays.copyOfRange(moments, 0, half);
        float[] logvar = new float[half];
        for (int i = 0; i < half; i++) {
            logvar[i] = Math.min(Math.max(moments[half + i], LOGVAR_MIN), LOGVAR_MAX);
        }
        return new LatentDistribution(height, width, mean, logvar);
    }

    public long[] shape() {
        return new long[] {1, CHANNELS, height, width};
    }

    /**
     * A draw from the distribution given standard normal {@code eps} of the same shape (the caller owns the random
     * stream, as the pipelines' generator does): {@code mean + exp(0.5 · logvar) · eps} in float32.
     */
    public float[] sample(float[] eps) {
        if (eps.length != mean.length) {
            throw new IllegalArgumentException("eps has " + eps.length + " values; the latent has " + mean.length);
        }
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            float std = (float) Math.exp(0.5f * logvar[i]);
            out[i] = mean[i] + std * eps[i];
        }
        return out;
    }
}
