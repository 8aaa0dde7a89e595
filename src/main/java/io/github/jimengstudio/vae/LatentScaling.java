package io.github.jimengstudio.vae;

/**
 * The one place that moves latents between the VAE's space and the sampler's (the transformer's), as the Z-Image
 * pipelines do with the config's two factors, in float32 (the Python factors become float32 scalars):
 *
 * <pre>
 *   encode side (img2img, inpaint):  sampler = (vae − shift_factor) · scaling_factor
 *   decode side (every pipeline):    vae     = sampler / scaling_factor + shift_factor
 * </pre>
 */
public final class LatentScaling {
    private LatentScaling() {}

    /** A VAE latent (an encoder sample) in the sampler's space: {@code (x − shift) · scaling}, a new array. */
    public static float[] toSamplerSpace(float[] vaeLatent, VaeConfig config) {
        float scale = (float) config.scalingFactor();
        float shift = (float) config.shiftFactor();
        float[] out = new float[vaeLatent.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (vaeLatent[i] - shift) * scale;
        }
        return out;
    }

    /** The sampler's latent back in the VAE's space, the decoder's input: {@code x / scaling + shift}, a new array. */
    public static float[] toVaeSpace(float[] samplerLatent, VaeConfig config) {
        float scale = (float) config.scalingFactor();
        float shift = (float) config.shiftFactor();
        float[] out = new float[samplerLatent.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = samplerLatent[i] / scale + shift;
        }
        return out;
    }
}
