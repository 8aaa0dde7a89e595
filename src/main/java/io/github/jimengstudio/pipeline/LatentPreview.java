package io.github.jimengstudio.pipeline;

/**
 * A cheap live preview: each latent pixel's 16 channels are mapped to RGB by one fixed linear projection, so a
 * preview costs microseconds instead of a VAE decode.
 *
 * <p>Z-Image-Turbo uses the FLUX.1 VAE unchanged (zimage-spec §1.1, scaling 0.3611, shift 0.1159), so the FLUX
 * latent space's RGB factors apply. The 16×3 factors and the bias are ComfyUI's {@code latent_rgb_factors} and
 * {@code latent_rgb_factors_bias} of class {@code Flux} in {@code comfy/latent_formats.py}
 * (comfyanonymous/ComfyUI); like ComfyUI's {@code Latent2RGBPreviewer} they act on the latent in the model's own
 * (scaled) space, and the result in about [−1, 1] is mapped to bytes as {@code clamp((v + 1)/2, 0, 1)·255}.
 *
 * <p>The pipeline previews the denoised estimate {@code x0 = x − σ·v} of each step rather than the noisy latent:
 * it shows the picture that is forming, as ComfyUI's previews do, instead of mostly noise in the early steps.
 */
public final class LatentPreview {
    private LatentPreview() {}

    /** The number of latent channels the projection expects. */
    public static final int CHANNELS = 16;

    /** Row k gives channel k's contribution to (R, G, B). */
    static final float[][] FLUX_RGB_FACTORS = {
        {-0.0346f, 0.0244f, 0.0681f},
        {0.0034f, 0.0210f, 0.0687f},
        {0.0275f, -0.0668f, -0.0433f},
        {-0.0174f, 0.0160f, 0.0617f},
        {0.0859f, 0.0721f, 0.0329f},
        {0.0004f, 0.0383f, 0.0115f},
        {0.0405f, 0.0861f, 0.0915f},
        {-0.0236f, -0.0185f, -0.0259f},
        {-0.0245f, 0.0250f, 0.1180f},
        {0.1008f, 0.0755f, -0.0421f},
        {-0.0515f, 0.0201f, 0.0011f},
        {0.0428f, -0.0012f, -0.0036f},
        {0.0817f, 0.0765f, 0.0749f},
        {-0.1264f, -0.0522f, -0.1103f},
        {-0.0280f, -0.0881f, -0.0499f},
        {-0.1262f, -0.0982f, -0.0778f},
    };
    static final float[] FLUX_RGB_BIAS = {-0.0329f, -0.0718f, -0.0851f};

    /**
     * Projects a latent {@code [16, height, width]} (channel-major, as the pipeline holds it) to RGB.
     *
     * @param latent {@code 16·height·width} values
     */
    public static PreviewImage project(float[] latent, int height, int width, int step, int steps) {
        int plane = height * width;
        if (height < 1 || width < 1 || latent.length != (long) CHANNELS * plane) {
            throw new IllegalArgumentException("preview: a " + CHANNELS + "x" + height + "x" + width
                    + " latent has " + ((long) CHANNELS * height * width) + " values, got " + latent.length);
        }
        byte[] rgb = new byte[plane * 3];
        float[] acc = new float[3];
        for (int p = 0; p < plane; p++) {
            acc[0] = FLUX_RGB_BIAS[0];
            acc[1] = FLUX_RGB_BIAS[1];
            acc[2] = FLUX_RGB_BIAS[2];
            for (int k = 0; k < CHANNELS; k++) {
                float v = latent[k * plane + p];
                float[] f = FLUX_RGB_FACTORS[k];
                acc[0] += v * f[0];
                acc[1] += v * f[1];
                acc[2] += v * f[2];
            }
            for (int c = 0; c < 3; c++) {
                rgb[p * 3 + c] = (byte) toByte(acc[c]);
            }
        }
        return new PreviewImage(step, steps, width, height, rgb);
    }

    /** [−1, 1] to 0..255; NaN (a failing step is reported separately) shows as black rather than failing here. */
    static int toByte(float v) {
        float unit = (v + 1f) / 2f;
        if (!(unit > 0f)) {
            return 0;
        }
        return unit >= 1f ? 255 : Math.round(unit * 255f);
    }

    /**
     * The denoised estimate of a flow-matching step, {@code x0 = x − σ·v}, where {@code v} is the velocity the
     * scheduler steps with (the negated transformer output) and σ the sigma of {@code x}.
     */
    public static float[] denoisedEstimate(float[] latents, float[] velocity, float sigma) {
        if (latents.length != velocity.length) {
            throw new IllegalArgumentException("latents and velocity differ in size: " + latents.length + " vs "
                    + velocity.length);
        }
        float[] x0 = new float[latents.length];
        for (int k = 0; k < x0.length; k++) {
            x0[k] = latents[k] - sigma * velocity[k];
        }
        return x0;
    }
}
