package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.vae.VaeConfig;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transformer's and the VAE's configurations: their {@code config.json} when the layout has one, otherwise
 * (ComfyUI single files) what the tensor shapes and the Z-Image-Turbo release fix. The text encoder reads its own
 * ({@code Qwen3Config.fromShapes}).
 */
final class ComponentConfigs {
    private ComponentConfigs() {}

    /** The transformer of Z-Image-Turbo's {@code transformer/config.json}, apart from the sizes read off shapes. */
    static final int[] TURBO_AXES_LENS = {1536, 512, 512};
    static final double TURBO_ROPE_THETA = 256.0;
    static final double TURBO_T_SCALE = 1000.0;
    static final double TURBO_NORM_EPS = 1e-5;

    private static final Pattern BLOCK = Pattern.compile("^(?:model\\.diffusion_model\\.)?(layers|noise_refiner"
            + "|context_refiner)\\.(\\d+)\\.");

    static ZImageTransformerConfig transformer(ComponentFiles files) throws IOException {
        if (files.config().isPresent()) {
            return ZImageTransformerConfig.read(files.config().get());
        }
        try (WeightSource source = WeightSources.open(files.weights())) {
            return transformerFromShapes(source);
        }
    }

    static VaeConfig vae(ComponentFiles files) throws IOException {
        return files.config().isPresent() ? VaeConfig.read(files.config().get()) : VaeConfig.flux();
    }

    /**
     * A ComfyUI DiT file has no config. The sizes come from the shapes: dim and the patch from the image embedder,
     * the caption width from the caption norm, the head width from the q norm, and the block counts. What shapes
     * cannot tell is Z-Image-Turbo's: RoPE theta 256, t scale 1000, eps 1e-5, the position tables
     * [1536, 512, 512], and the head split into RoPE axes in the release's proportions 1/4, 3/8, 3/8 (32, 48, 48
     * of 128). Larger position tables than a model was trained with change no value, only what fits.
     */
    static ZImageTransformerConfig transformerFromShapes(WeightSource s) throws IOException {
        String prefix = s.contains("model.diffusion_model.x_embedder.weight")
                || s.contains("model.diffusion_model.all_x_embedder.2-1.weight") ? "model.diffusion_model." : "";
        TensorInfo embed = first(s, prefix + "x_embedder.weight", prefix + "all_x_embedder.2-1.weight");
        long dim = embed.shape()[0];
        long patchFeatures = embed.shape()[1];
        int channels = VaeConfig.LATENT_CHANNELS;
        int patch = (int) Math.round(Math.sqrt(patchFeatures / (double) channels));
        if (patch * patch * channels != patchFeatures) {
            throw new WeightFileException(s.origin(), embed.name(), "has " + patchFeatures + " input features, which is not "
                    + channels + " channels times a square patch");
        }
        long capFeatDim = first(s, prefix + "cap_embedder.0.weight").shape()[0];
        long headDim = first(s, prefix + "layers.0.attention.q_norm.weight",
                prefix + "layers.0.attention.norm_q.weight").shape()[0];
        if (headDim % 8 != 0 || dim % headDim != 0) {
            throw new WeightFileException(s.origin(), prefix + "layers.0.attention.q_norm.weight", "gives a head width of "
                    + headDim + " for width " + dim + ", which is not Z-Image's layout");
        }
        int layers = 0;
        int refiners = 0;
        for (String name : s.names()) {
            Matcher m = BLOCK.matcher(name);
            if (m.find()) {
                int index = Integer.parseInt(m.group(2)) + 1;
                if (m.group(1).equals("layers")) {
                    layers = Math.max(layers, index);
                } else if (m.group(1).equals("noise_refiner")) {
                    refiners = Math.max(refiners, index);
                }
            }
        }
        int hd = (int) headDim;
        int heads = (int) (dim / headDim);
        return new ZImageTransformerConfig(patch, 1, channels, (int) dim, layers, refiners, heads, heads,
                TURBO_NORM_EPS, true, (int) capFeatDim, TURBO_ROPE_THETA, TURBO_T_SCALE,
                new int[] {hd / 4, 3 * hd / 8, 3 * hd / 8}, TURBO_AXES_LENS.clone());
    }

    private static TensorInfo first(WeightSource s, String... names) throws WeightFileException {
        for (String n : names) {
            if (s.contains(n)) {
                return s.info(n);
            }
        }
        throw new WeightFileException(s.origin(), names[0], "is missing, so this is not a Z-Image transformer file");
    }
}
