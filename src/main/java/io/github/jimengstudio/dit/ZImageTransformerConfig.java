package io.github.jimengstudio.dit;

import io.github.jimengstudio.tensor.JsonConfig;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration of diffusers' {@code ZImageTransformer2DModel}, as the model's {@code transformer/config.json}
 * stores it; absent keys take the class defaults (which differ from Z-Image-Turbo's file in {@code axes_lens}, so
 * always read the file). Every field is read; the Omni variant ({@code siglip_feat_dim} set) is refused by name.
 *
 * @param patchSize  the spatial patch ({@code all_patch_size}; the model has exactly one, 2)
 * @param framePatchSize the frame patch ({@code all_f_patch_size}; 1)
 * @param nKvHeads   read for completeness; diffusers ignores it and so do we (every real file has it equal to n_heads)
 */
public record ZImageTransformerConfig(
        int patchSize,
        int framePatchSize,
        int inChannels,
        int dim,
        int nLayers,
        int nRefinerLayers,
        int nHeads,
        int nKvHeads,
        double normEps,
        boolean qkNorm,
        int capFeatDim,
        double ropeTheta,
        double tScale,
        int[] axesDims,
        int[] axesLens) {

    public static final String CLASS_NAME = "ZImageTransformer2DModel";
    /** The width of the timestep conditioning is capped here (diffusers ADALN_EMBED_DIM). */
    public static final int ADALN_EMBED_DIM = 256;
    /** Caption and image token runs are each padded to a multiple of this. */
    public static final int SEQ_MULTI_OF = 32;
    /**
     * The most positions a RoPE axis may have: 16 times Z-Image-Turbo's longest (1536), far beyond a 4096-pixel
     * image's 128 patch rows; its tables then take at most a few MB.
     */
    public static final int MAX_AXIS_LENGTH = 1 << 16;
    /** The most entries the RoPE cos (and sin) tables may have in all: 64 MB each, 340 times Z-Image-Turbo's. */
    public static final long MAX_ROPE_ENTRIES = 1 << 24;
    /** Width of the timestep sinusoid. */
    public static final int FREQUENCY_EMBEDDING_SIZE = 256;
    /** Hidden width of the timestep MLP, fixed in the reference code. */
    public static final int TIMESTEP_MLP_WIDTH = 1024;
    // Z-Image-Turbo's transformer/config.json values that a checkpoint's shapes do not show (see fromShapes).
    private static final int TURBO_IN_CHANNELS = 16;
    private static final int[] TURBO_AXES_LENS = {1536, 512, 512};
    private static final double TURBO_ROPE_THETA = 256.0;
    private static final double TURBO_T_SCALE = 1000.0;
    private static final double TURBO_NORM_EPS = 1e-5;

    private static final Pattern BLOCK = Pattern.compile("^(?:" + Pattern.quote(ZImageWeightNames.COMFY_PREFIX)
            + ")?(layers|noise_refiner|context_refiner)\\.(\\d+)\\.");

    public ZImageTransformerConfig {
        axesDims = axesDims.clone();
        axesLens = axesLens.clone();
        positive(patchSize, "all_patch_size");
        positive(framePatchSize, "all_f_patch_size");
        positive(inChannels, "in_channels");
        positive(dim, "dim");
        if (nLayers < 0 || nRefinerLayers < 0) {
            throw new IllegalArgumentException("n_layers " + nLayers + " and n_refiner_layers " + nRefinerLayers
                    + " must not be negative");
        }
        positive(nHeads, "n_heads");
        positive(capFeatDim, "cap_feat_dim");
        if (!(normEps > 0) || !Double.isFinite(normEps)) {
            throw new IllegalArgumentException("norm_eps is " + normEps + "; it must be a small positive number"
                    + " (Z-Image-Turbo uses 1e-05)");
        }
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta) || !(tScale > 0) || !Double.isFinite(tScale)) {
            throw new IllegalArgumentException("rope_theta " + ropeTheta + " and t_scale " + tScale
                    + " must be positive finite numbers (Z-Image-Turbo uses 256.0 and 1000.0)");
        }
        if (dim % nHeads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by n_heads " + nHeads);
        }
        if (axesDims.length != axesLens.length || axesDims.length == 0) {
            throw new IllegalArgumentException("axes_dims " + Arrays.toString(axesDims) + " and axes_lens "
                    + Arrays.toString(axesLens) + " must be non-empty and of equal length");
        }
        long sum = 0;
        long ropeEntries = 0;
        for (int i = 0; i < axesDims.length; i++) {
            // RoPE tables are built for every position of every axis before any weight says otherwise
            if (axesLens[i] > MAX_AXIS_LENGTH) {
                throw new IllegalArgumentException("axes_lens " + Arrays.toString(axesLens) + " asks for "
                        + axesLens[i] + " positions on an axis; at most " + MAX_AXIS_LENGTH + " are supported"
                        + " (Z-Image-Turbo uses 1536, 512, 512)");
            }
            if (axesDims[i] <= 0 || axesDims[i] % 2 != 0 || axesLens[i] <= 0) {
                throw new IllegalArgumentException("axes_dims " + Arrays.toString(axesDims) + " / axes_lens "
                        + Arrays.toString(axesLens) + ": every axis needs a positive even width and a positive length");
            }
            sum += axesDims[i];
            ropeEntries += (long) axesLens[i] * (axesDims[i] / 2);
        }
        if (ropeEntries > MAX_ROPE_ENTRIES) {
            throw new IllegalArgumentException("axes_dims " + Arrays.toString(axesDims) + " and axes_lens "
                    + Arrays.toString(axesLens) + " ask for RoPE tables of " + ropeEntries + " entries; at most "
                    + MAX_ROPE_ENTRIES + " are supported (Z-Image-Turbo's take 49152)");
        }
        if (sum != dim / nHeads) {
            throw new IllegalArgumentException("axes_dims " + Arrays.toString(axesDims) + " sum to " + sum
                    + ", but the head width dim/n_heads is " + dim / nHeads + "; they must be equal");
        }
    }

    private static void positive(int v, String key) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " is " + v + "; it must be positive");
        }
    }

    @Override
    public int[] axesDims() {
        return axesDims.clone();
    }

    @Override
    public int[] axesLens() {
        return axesLens.clone();
    }

    public int axes() {
        return axesDims.length;
    }

    public int headDim() {
        return dim / nHeads;
    }

    /** Width of the timestep conditioning and of every adaLN input: min(dim, 256). */
    public int adalnDim() {
        return Math.min(dim, ADALN_EMBED_DIM);
    }

    /** The feed-forward hidden width, Python's {@code int(dim / 3 * 8)} (10240 for Turbo, 341 for dim 128). */
    public int ffnHidden() {
        return (int) (dim / 3.0 * 8);
    }

    /** Values per patch token: pF·pH·pW·C (64 for Turbo). */
    public int patchFeatures() {
        return framePatchSize * patchSize * patchSize * inChannels;
    }

    /** The key of the x-embedder / final layer in diffusers' ModuleDicts, e.g. {@code "2-1"}. */
    public String patchKey() {
        return patchSize + "-" + framePatchSize;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZImageTransformerConfig c && patchSize == c.patchSize
                && framePatchSize == c.framePatchSize && inChannels == c.inChannels && dim == c.dim
                && nLayers == c.nLayers && nRefinerLayers == c.nRefinerLayers && nHeads == c.nHeads
                && nKvHeads == c.nKvHeads && normEps == c.normEps && qkNorm == c.qkNorm && capFeatDim == c.capFeatDim
                && ropeTheta == c.ropeTheta && tScale == c.tScale && Arrays.equals(axesDims, c.axesDims)
                && Arrays.equals(axesLens, c.axesLens);
    }

    @Override
    public int hashCode() {
        return ((dim * 31 + nLayers) * 31 + nHeads) * 31 + Arrays.hashCode(axesDims);
    }

    @Override
    public String toString() {
        return "ZImageTransformerConfig[dim=" + dim + ", n_layers=" + nLayers + ", n_refiner_layers=" + nRefinerLayers
                + ", n_heads=" + nHeads + ", cap_feat_dim=" + capFeatDim + ", patch=" + patchKey() + ", in_channels="
                + inChannels + ", norm_eps=" + normEps + ", qk_norm=" + qkNorm + ", rope_theta=" + ropeTheta
                + ", t_scale=" + tScale + ", axes_dims=" + Arrays.toString(axesDims) + ", axes_lens="
                + Arrays.toString(axesLens) + "]";
    }

    /**
     * The config of a ComfyUI single-file DiT, which comes without {@code config.json}, read off its tensor shapes:
     * dim and the patch from the image embedder, the caption width from the caption norm, the head width from the
     * q norm, and the block counts. What shapes cannot tell is Z-Image-Turbo's: 16 latent channels, RoPE theta 256,
     * t scale 1000, eps 1e-5, the position tables [1536, 512, 512], and the head split into RoPE axes in the
     * release's proportions 1/4, 3/8, 3/8 (32, 48, 48 of 128). Larger position tables than a model was trained with
     * change no value, only what fits. Both ComfyUI and diffusers names are understood.
     */
    public static ZImageTransformerConfig fromShapes(WeightSource s) throws IOException {
        String prefix = s.contains(ZImageWeightNames.COMFY_PREFIX + "x_embedder.weight")
                || s.contains(ZImageWeightNames.COMFY_PREFIX + "all_x_embedder.2-1.weight")
                ? ZImageWeightNames.COMFY_PREFIX : "";
        TensorInfo embed = first(s, prefix + "x_embedder.weight", prefix + "all_x_embedder.2-1.weight");
        long dim = embed.shape()[0];
        long patchFeatures = embed.shape()[1];
        int channels = TURBO_IN_CHANNELS;
        int patch = (int) Math.round(Math.sqrt(patchFeatures / (double) channels));
        if (patch * patch * channels != patchFeatures) {
            throw new WeightFileException(s.origin(), embed.name(), "has " + patchFeatures
                    + " input features, which is not " + channels + " channels times a square patch");
        }
        long capFeatDim = first(s, prefix + "cap_embedder.0.weight").shape()[0];
        long headDim = first(s, prefix + "layers.0.attention.q_norm.weight",
                prefix + "layers.0.attention.norm_q.weight").shape()[0];
        if (headDim % 8 != 0 || dim % headDim != 0) {
            throw new WeightFileException(s.origin(), prefix + "layers.0.attention.q_norm.weight",
                    "gives a head width of " + headDim + " for width " + dim + ", which is not Z-Image's layout");
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

    /** Reads {@code transformer/config.json}. */
    public static ZImageTransformerConfig read(Path file) throws IOException {
        return parse(JsonConfig.readText(file, "transformer config", "transformer/config.json", IOException::new),
                file.toString());
    }

    /** Parses the JSON text of a transformer config; {@code origin} names it in messages. */
    public static ZImageTransformerConfig parse(String json, String origin) throws IOException {
        JsonConfig c = JsonConfig.parse(json, origin, "transformer config", IOException::new);
        try {
            c.requireClassName(CLASS_NAME);
            if (c.has("siglip_feat_dim")) {
                throw new IllegalArgumentException("siglip_feat_dim is set (" + c.element("siglip_feat_dim")
                        + "): this is the Z-Image Omni variant, which is not supported; use Z-Image-Turbo's"
                        + " transformer");
            }
            int[] patch = ints(c, "all_patch_size", 2);
            int[] fPatch = ints(c, "all_f_patch_size", 1);
            if (patch.length != 1 || fPatch.length != 1) {
                throw new IllegalArgumentException("all_patch_size " + Arrays.toString(patch) + " and all_f_patch_size "
                        + Arrays.toString(fPatch) + ": exactly one patch size is supported (Z-Image uses [2] and [1])");
            }
            return new ZImageTransformerConfig(
                    patch[0],
                    fPatch[0],
                    c.integer("in_channels", 16),
                    c.integer("dim", 3840),
                    c.integer("n_layers", 30),
                    c.integer("n_refiner_layers", 2),
                    c.integer("n_heads", 30),
                    c.integer("n_kv_heads", 30),
                    c.number("norm_eps", 1e-5),
                    c.bool("qk_norm", true),
                    c.integer("cap_feat_dim", 2560),
                    c.number("rope_theta", 256.0),
                    c.number("t_scale", 1000.0),
                    ints(c, "axes_dims", 32, 48, 48),
                    ints(c, "axes_lens", 1024, 512, 512));
        } catch (IllegalArgumentException e) {
            throw new IOException(origin + ": " + e.getMessage(), e);
        }
    }

    private static int[] ints(JsonConfig c, String key, Integer... fallback) {
        return c.integers(key, List.of(fallback)).stream().mapToInt(Integer::intValue).toArray();
    }
}
