package io.github.jimengstudio.vae;

import io.github.jimengstudio.tensor.JsonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The part of a diffusers {@code AutoencoderKL} {@code config.json} the encoder and decoder need; absent keys take
 * the class defaults, as diffusers does. Z-Image-Turbo ships the FLUX.1 VAE: 16 latent channels, block widths
 * [128, 256, 512, 512], two layers per block, 32 groups, scaling 0.3611 and shift 0.1159, no quant convolutions.
 *
 * <p>Only that shape of autoencoder is accepted. Anything else the config can describe (quant convolutions, a
 * mid block without attention, other block types or activations, another latent width) is refused by name
 * rather than decoded into a wrong picture.
 *
 * @param latentChannels channels of the latent the decoder reads; always 16 (the transformer's output)
 * @param outChannels channels of the decoded image; always 3 (RGB)
 * @param blockOutChannels widths of the encoder's blocks, shallow to deep; the decoder walks them in reverse
 * @param layersPerBlock resnets per encoder block; each decoder up block has one more
 * @param normNumGroups groups of every GroupNorm
 * @param scalingFactor latents are divided by it before decoding
 * @param shiftFactor and then shifted by it
 */
public record VaeConfig(
        int latentChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int normNumGroups,
        double scalingFactor,
        double shiftFactor) {

    public static final String CLASS_NAME = "AutoencoderKL";
    /** The latent width Z-Image's transformer produces. */
    public static final int LATENT_CHANNELS = 16;
    /** Every GroupNorm of the diffusers Encoder and Decoder uses this epsilon (fixed in code, not in the config). */
    public static final float NORM_EPS = 1e-6f;

    /** Validates the shape; see the class comment for what is refused. */
    public VaeConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        if (latentChannels != LATENT_CHANNELS) {
            throw new IllegalArgumentException("latent_channels is " + latentChannels + ", but Z-Image decodes "
                    + LATENT_CHANNELS + "-channel latents with the FLUX VAE (Stable Diffusion 1.x/XL VAEs have 4)."
                    + " Use the model's own vae/ folder or ComfyUI's ae.safetensors");
        }
        if (outChannels != 3) {
            throw new IllegalArgumentException("out_channels is " + outChannels + "; the decoder must produce RGB (3)");
        }
        if (normNumGroups < 1) {
            throw new IllegalArgumentException("norm_num_groups is " + normNumGroups + "; it must be 1 or more");
        }
        if (blockOutChannels.isEmpty()) {
            throw new IllegalArgumentException("block_out_channels is empty; the decoder needs at least one block");
        }
        for (int c : blockOutChannels) {
            if (c < 1 || c % normNumGroups != 0) {
                throw new IllegalArgumentException("block_out_channels " + blockOutChannels + " has width " + c
                        + ", which does not divide into norm_num_groups " + normNumGroups);
            }
        }
        if (layersPerBlock < 1) {
            throw new IllegalArgumentException("layers_per_block is " + layersPerBlock + "; it must be 1 or more");
        }
        if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
            throw new IllegalArgumentException("scaling_factor is " + scalingFactor
                    + "; it must be a finite number above 0 (the FLUX VAE uses 0.3611)");
        }
        if (!Double.isFinite(shiftFactor)) {
            throw new IllegalArgumentException("shift_factor is " + shiftFactor
                    + "; it must be a finite number (the FLUX VAE uses 0.1159)");
        }
    }

    /** The FLUX.1 VAE as Z-Image-Turbo's {@code vae/config.json} describes it. */
    public static VaeConfig flux() {
        return new VaeConfig(16, 3, List.of(128, 256, 512, 512), 2, 32, 0.3611, 0.1159);
    }

    /** Number of decoder up blocks (= encoder blocks). */
    public int upBlockCount() {
        return blockOutChannels.size();
    }

    /** Output width of decoder up block {@code i}: the encoder's widths in reverse ({@code up_blocks.0} is deepest). */
    public int upBlockChannels(int i) {
        return blockOutChannels.get(blockOutChannels.size() - 1 - i);
    }

    /** Output width of encoder down block {@code i} ({@code down_blocks.0} is the shallowest, at full resolution). */
    public int downBlockChannels(int i) {
        return blockOutChannels.get(i);
    }

    /** Width of the decoder's conv_in and of both mid blocks: the deepest encoder width. */
    public int midChannels() {
        return upBlockChannels(0);
    }

    /** Resnets per decoder up block. */
    public int resnetsPerUpBlock() {
        return layersPerBlock + 1;
    }

    /** Pixels per latent cell along each axis: every up block but the last doubles the size. */
    public int upscale() {
        return 1 << (upBlockCount() - 1);
    }

    /**
     * The config of the VAE weights at {@code folderOrFile}: a diffusers {@code vae/} folder's {@code config.json},
     * or {@link #flux()} for a single-file VAE such as ComfyUI's {@code ae.safetensors}, which carries no config.
     */
    public static VaeConfig forWeights(Path folderOrFile) throws VaeConfigException {
        return Files.isDirectory(folderOrFile) ? read(folderOrFile.resolve("config.json")) : flux();
    }

    /** Reads {@code vae/config.json}. */
    public static VaeConfig read(Path file) throws VaeConfigException {
        return parse(JsonConfig.readText(file, "VAE config", "vae/config.json", VaeConfigException::new),
                file.toString());
    }

    /** Parses the JSON text of an AutoencoderKL config; {@code origin} names it in messages. */
    public static VaeConfig parse(String json, String origin) throws VaeConfigException {
        JsonConfig c = JsonConfig.parse(json, origin, "VAE config", VaeConfigException::new);
        try {
            c.requireClassName(CLASS_NAME);
            String act = c.string("act_fn", "silu");
            unsupported(!"silu".equals(act), "act_fn is '" + act + "'");
            unsupported(c.bool("use_quant_conv", true), "use_quant_conv is true (or absent, which means true)");
            unsupported(c.bool("use_post_quant_conv", true),
                    "use_post_quant_conv is true (or absent, which means true)");
            unsupported(!c.bool("mid_block_add_attention", true), "mid_block_add_attention is false");
            List<Integer> widths = c.integers("block_out_channels", List.of(64));
            List<String> upTypes = c.strings("up_block_types", List.of("UpDecoderBlock2D"));
            if (upTypes.size() != widths.size()) {
                throw new IllegalArgumentException("up_block_types has " + upTypes.size() + " entries but"
                        + " block_out_channels has " + widths.size() + "; they must match");
            }
            for (String t : upTypes) {
                unsupported(!"UpDecoderBlock2D".equals(t), "up_block_types contains '" + t + "'");
            }
            // the encoder's side of the same checks: it reads RGB and walks the same widths down. Configs written
            // for the decoder alone may leave down_block_types out; the encoder then mirrors the up blocks.
            int in = c.integer("in_channels", 3);
            unsupported(in != 3, "in_channels is " + in);
            if (c.has("down_block_types")) {
                List<String> downTypes = c.strings("down_block_types", List.of());
                if (downTypes.size() != widths.size()) {
                    throw new IllegalArgumentException("down_block_types has " + downTypes.size() + " entries but"
                            + " block_out_channels has " + widths.size() + "; they must match");
                }
                for (String t : downTypes) {
                    unsupported(!"DownEncoderBlock2D".equals(t), "down_block_types contains '" + t + "'");
                }
            }
            if (!c.has("shift_factor")) {
                throw new IllegalArgumentException("shift_factor is missing; Z-Image de-normalises latents with"
                        + " latents / scaling_factor + shift_factor (the FLUX VAE uses 0.1159)");
            }
            return new VaeConfig(
                    c.integer("latent_channels", 4),
                    c.integer("out_channels", 3),
                    widths,
                    c.integer("layers_per_block", 1),
                    c.integer("norm_num_groups", 32),
                    c.number("scaling_factor", 0.18215),
                    c.number("shift_factor", 0));
        } catch (IllegalArgumentException e) {
            throw new VaeConfigException(origin + ": " + e.getMessage(), e);
        }
    }

    private static void unsupported(boolean condition, String what) {
        if (condition) {
            throw new IllegalArgumentException(what + ", which this VAE does not implement: it runs the FLUX"
                    + " VAE of Z-Image (RGB, silu, DownEncoderBlock2D and UpDecoderBlock2D blocks, mid-block"
                    + " attention, no quant convolutions)."
                    + " Use the model's original vae/config.json");
        }
    }
}
