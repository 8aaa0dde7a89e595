package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;
import static io.github.jimengstudio.vae.Layers.requireFinite;

import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.vae.Layers.Conv2d;
import io.github.jimengstudio.vae.Layers.GroupNorm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The encoder of Z-Image's AutoencoderKL (the FLUX VAE), op for op as diffusers' {@code Encoder} and
 * {@code AutoencoderKL.encode}, always in float32 like the {@link VaeDecoder}. The image-to-image and inpainting
 * pipelines run it once on the source picture.
 *
 * <pre>
 *   conv_in 3×3 3→128
 *   down_blocks.0..3: 2 resnets each, then zero pad right/bottom + conv 3×3 stride 2 (all but the last)
 *                     128,256,512,512 wide
 *   mid_block: resnet, single-head attention, resnet
 *   conv_norm_out GroupNorm → SiLU → conv_out 3×3 512→32   (mean and log-variance; no quant_conv in Z-Image)
 * </pre>
 *
 * {@link #encode} is the pipelines' first step on the picture: encode (in overlapping tiles when {@link VaeTiling}
 * says so) and split the output into a {@link LatentDistribution}. Drawing a sample and moving it into the
 * sampler's space ({@link LatentScaling#toSamplerSpace}) are the caller's separate steps, because the draw belongs
 * to the pipeline's random stream.
 */
public final class VaeEncoder implements AutoCloseable {
    /** The encoder reads RGB pictures. */
    private static final int RGB = 3;

    private final VaeConfig config;
    private final TensorScope weights;
    private final ComputeDevice device;
    final Conv2d convIn;
    final List<ResnetStage> downBlocks;
    final MidBlock midBlock;
    final GroupNorm convNormOut;
    final Conv2d convOut;

    private VaeEncoder(VaeConfig config, WeightSource source, ComputeDevice device) throws IOException {
        this.config = config;
        this.weights = TensorScope.detached();
        this.device = device;
        try {
            PartWeights w = new PartWeights(source, "encoder", PartWeights.Layout.CONTIGUOUS, weights, device);
            int groups = config.normNumGroups();
            int n = config.upBlockCount();
            int in = config.downBlockChannels(0);
            convIn = Conv2d.load(w, "encoder.conv_in", RGB, in, 3);
            List<ResnetStage> downs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int out = config.downBlockChannels(i);
                downs.add(ResnetStage.down(w, "encoder.down_blocks." + i, in, out, config.layersPerBlock(),
                        i < n - 1, groups));
                in = out;
            }
            downBlocks = List.copyOf(downs);
            midBlock = new MidBlock(w, "encoder.mid_block", in, groups);
            convNormOut = GroupNorm.load(w, "encoder.conv_norm_out", in, groups);
            // double_z: the mean and the log-variance of every latent channel
            convOut = Conv2d.load(w, "encoder.conv_out", in, 2 * config.latentChannels(), 3);
            w.checkNothingLeft();
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * Loads the encoder from weights under diffusers or LDM names ({@link VaeWeights}), the same file the decoder
     * reads; the source may be closed afterwards.
     */
    public static VaeEncoder load(VaeConfig config, WeightSource source) throws IOException {
        return load(config, source, DeviceScope.current());
    }

    /** {@link #load(VaeConfig, WeightSource)} onto {@code device}, where {@link #encode} then computes (float32). */
    public static VaeEncoder load(VaeConfig config, WeightSource source, ComputeDevice device) throws IOException {
        return new VaeEncoder(config, VaeWeights.canonical(source, config), device);
    }

    /**
     * Opens a diffusers {@code vae/} folder (its {@code config.json} and weights) or a single-file VAE such as
     * ComfyUI's {@code ae.safetensors} ({@link VaeConfig#flux()}), as {@link VaeDecoder#open} does.
     */
    public static VaeEncoder open(Path folderOrFile) throws IOException {
        VaeConfig config = VaeConfig.forWeights(folderOrFile);
        try (WeightSource source = WeightSources.open(folderOrFile)) {
            return load(config, source);
        }
    }

    public VaeConfig config() {
        return config;
    }

    /** Where the weights are and encoding computes. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * About the native memory encoding a picture of {@code height × width} pixels takes at its peak with
     * {@code tiling}: like the decoder, the full-resolution activations of the first stage (or of one tile) at the
     * first block's width, a few alive at once, counted at the decoder's 28 bytes per pixel and channel (an
     * estimate by analogy, not a separate measurement).
     */
    public long activationBytes(int height, int width, VaeTiling tiling) {
        int down = config.upscale();
        TilePlan plan = tiling.planFor(height / down, width / down, 1);
        long rows = plan == null ? height : Math.min(height, (long) plan.tile() * down);
        long cols = plan == null ? width : Math.min(width, (long) plan.tile() * down);
        return rows * cols * 28L * config.downBlockChannels(0);
    }

    /** {@link #forward(Tensor, WorkMonitor)} without a monitor. */
    public Tensor forward(Tensor x) {
        return forward(x, WorkMonitor.NONE);
    }

    /**
     * The bare encoder: an image {@code [B, 3, H, W]} (about [-1, 1]; H and W multiples of 8) to the moments
     * {@code [B, 32, H/8, W/8]}, float32: channels 0..15 the mean, 16..31 the log-variance before its clamp.
     * {@code monitor} hears of the start (0) and of every layer (weighted by multiply-adds); if it throws, every
     * temporary of the pass is freed and the encoder stays usable. {@code x} must be on the encoder's
     * {@link #device()}.
     */
    public Tensor forward(Tensor x, WorkMonitor monitor) {
        long[] s = x.shape();
        int down = config.upscale();
        if (s.length != 4 || s[1] != RGB) {
            throw new InvalidImageException("encoder input has shape " + Arrays.toString(s) + "; it needs [batch, 3,"
                    + " height, width] (RGB)");
        }
        if (s[2] % down != 0 || s[3] % down != 0 || s[2] == 0 || s[3] == 0) {
            throw new InvalidImageException(sizeMessage(s[3], s[2]));
        }
        if (!x.device().equals(device)) {
            throw new InvalidImageException("encoder input is on " + x.device() + ", the encoder on " + device
                    + ": move it with toDevice first");
        }
        long area = s[2] * s[3];
        LayerProgress progress = new LayerProgress(monitor, cost(area));
        monitor.progress(0, "");
        // the downsamplers' zero padding is created on the current device: make it the encoder's
        try (DeviceScope on = DeviceScope.use(device); TensorScope scope = TensorScope.open()) {
            // row-major whatever the caller's layout: a channels_last input would make every layer channels_last,
            // whose GroupNorm is ~100× less accurate (PartWeights.Layout.CONTIGUOUS)
            Tensor h = convIn.forward(x.to(ElementType.FLOAT32).contiguous());
            progress.done(convIn.cost(area), "input");
            for (int i = 0; i < downBlocks.size(); i++) {
                h = closing(h, downBlocks.get(i).forward(h, progress,
                        "down block " + (i + 1) + "/" + downBlocks.size()));
            }
            long cells = h.dim(2) * h.dim(3);
            h = closing(h, midBlock.forward(h, progress));
            h = closing(h, convNormOut.forwardSilu(h));
            h = closing(h, convOut.forward(h));
            progress.done(convOut.cost(cells), "output");
            return scope.keep(h);
        }
    }

    private String sizeMessage(long width, long height) {
        int down = config.upscale();
        return "an image of " + width + "x" + height + " pixels: the VAE encoder maps " + down + "x" + down
                + " pixels onto one latent cell, so both sides must be multiples of " + down + " (the pipelines"
                + " use multiples of 16; crop or resize to " + Math.max(16, width / 16 * 16) + "x"
                + Math.max(16, height / 16 * 16) + ")";
    }

    /** Multiply-adds of one pass over {@code area} pixels, in the order {@link #forward} reports them. */
    private long cost(long area) {
        long sum = convIn.cost(area);
        for (ResnetStage d : downBlocks) {
            sum += d.cost(area);
            area = d.outputArea(area);
        }
        return sum + midBlock.cost(area) + convOut.cost(area);
    }

    /**
     * {@link #encode(EncoderInput, VaeTiling, WorkMonitor)} untiled up to 1024×1024, in diffusers' 1024-pixel
     * tiles above ({@link VaeTiling#autoForEncoder()}).
     */
    public LatentDistribution encode(EncoderInput image) {
        return encode(image, VaeTiling.autoForEncoder(), WorkMonitor.NONE);
    }

    /**
     * {@code AutoencoderKL.encode(x).latent_dist} for one preprocessed picture ({@link EncoderInput#fromRgb8}):
     * the encoder's moments, computed whole or in overlapping tiles when {@code tiling} plans tiles for this size
     * (tiles of {@code tile × 8} pixels, their moments cross-faded as {@link TileAxis} describes, the decoder's
     * blend on the latent grid), split into mean and clamped log-variance.
     *
     * <p>{@code monitor} hears of every layer of every tile, each tile an equal share, with details such as
     * {@code "tile 2/4, down block 1/4"}. If it throws, the encode stops there, every temporary is freed, and the
     * exception reaches the caller.
     *
     * @throws InvalidImageException when a side is not a multiple of 8 (before any native work)
     * @throws IllegalStateException when the encoder produces non-finite values (damaged weights)
     */
    public LatentDistribution encode(EncoderInput image, VaeTiling tiling, WorkMonitor monitor) {
        int down = config.upscale();
        if (image.height() % down != 0 || image.width() % down != 0) {
            throw new InvalidImageException(sizeMessage(image.width(), image.height()));
        }
        int h = image.height() / down;
        int w = image.width() / down;
        TilePlan plan = tiling.planFor(h, w, 1);
        float[] moments = plan == null ? encodeWhole(image, monitor) : encodeTiled(image, plan, monitor);
        requireFinite(moments, "encoder", "image");
        return LatentDistribution.fromMoments(moments, h, w);
    }

    /** One picture encoded in one piece: its moments {@code [1, 32, H/8, W/8]} as NCHW floats. */
    float[] encodeWhole(EncoderInput image, WorkMonitor monitor) {
        try (DeviceScope on = DeviceScope.use(device); TensorScope s = TensorScope.open()) {
            // plain NCHW like the weights: see PartWeights.Layout.CONTIGUOUS for why not channels_last
            Tensor x = Tensor.of(image.values(), image.shape());
            return forward(x, monitor).toFloatArray();
        }
    }

    /**
     * One picture encoded tile by tile: the tiles are planned on the latent grid (the picture's size / 8), each
     * tile's pixels are encoded alone, and its moments are added with the plan's weights, a linear cross-fade
     * across every overlap that equals the tile's own output wherever one tile covers a cell.
     */
    float[] encodeTiled(EncoderInput image, TilePlan plan, WorkMonitor monitor) {
        int down = config.upscale();
        return plan.blend(2 * config.latentChannels(), monitor, (ry, rx, part) -> encodeWhole(
                image.crop(ry.start() * down, rx.start() * down, ry.length() * down, rx.length() * down), part));
    }

    /** Frees the weights. */
    @Override
    public void close() {
        weights.close();
    }
}
