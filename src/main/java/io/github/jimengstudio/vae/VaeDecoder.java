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
 * The decoder of Z-Image's AutoencoderKL (the FLUX VAE), op for op as diffusers' {@code Decoder}
 * (zimage-spec.md §7), always in float32 whatever the transformer runs in: half-precision VAEs are a known source
 * of NaN and black pictures, and the official pipeline decodes in float32 too.
 *
 * <pre>
 *   conv_in 3×3 16→512
 *   mid_block: resnet, single-head attention, resnet
 *   up_blocks.0..3: 3 resnets each, then nearest 2× + conv 3×3 (all but the last)   512,512,256,128 wide
 *   conv_norm_out GroupNorm → SiLU → conv_out 3×3 128→3
 * </pre>
 *
 * {@link #decode} is the pipeline's last step: de-normalise the sampler's latents ({@code x / scaling + shift}),
 * decode (in overlapping tiles when {@link VaeTiling} says so), and map to pixels ({@link Pixels}).
 */
public final class VaeDecoder implements AutoCloseable {
    private final VaeConfig config;
    private final TensorScope weights;
    private final ComputeDevice device;
    final Conv2d convIn;
    final MidBlock midBlock;
    final List<ResnetStage> upBlocks;
    final GroupNorm convNormOut;
    final Conv2d convOut;

    private VaeDecoder(VaeConfig config, WeightSource source, ComputeDevice device) throws IOException {
        this.config = config;
        this.weights = TensorScope.detached();
        this.device = device;
        try {
            PartWeights w = new PartWeights(source, "decoder", PartWeights.Layout.CHANNELS_LAST, weights, device);
            int groups = config.normNumGroups();
            int mid = config.midChannels();
            convIn = Conv2d.load(w, "decoder.conv_in", config.latentChannels(), mid, 3);
            midBlock = new MidBlock(w, "decoder.mid_block", mid, groups);
            List<ResnetStage> ups = new ArrayList<>();
            int in = mid;
            for (int i = 0; i < config.upBlockCount(); i++) {
                int out = config.upBlockChannels(i);
                ups.add(ResnetStage.up(w, "decoder.up_blocks." + i, in, out, config.resnetsPerUpBlock(),
                        i < config.upBlockCount() - 1, groups));
                in = out;
            }
            upBlocks = List.copyOf(ups);
            convNormOut = GroupNorm.load(w, "decoder.conv_norm_out", in, groups);
            convOut = Conv2d.load(w, "decoder.conv_out", in, config.outChannels(), 3);
            w.checkNothingLeft();
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * Loads the decoder from weights under diffusers or LDM names ({@link VaeWeights}); the source may be closed
     * afterwards.
     */
    public static VaeDecoder load(VaeConfig config, WeightSource source) throws IOException {
        return load(config, source, DeviceScope.current());
    }

    /** {@link #load(VaeConfig, WeightSource)} onto {@code device}, where {@link #decode} then computes (float32). */
    public static VaeDecoder load(VaeConfig config, WeightSource source, ComputeDevice device) throws IOException {
        return new VaeDecoder(config, VaeWeights.canonical(source, config), device);
    }

    /**
     * About the native memory decoding one latent of {@code h × w} cells takes at its peak with {@code tiling}:
     * the full-resolution activations of the decode (or of one tile), a few alive at once. Measured: 3.1 GB for
     * 1024 × 1024 pixels with the FLUX VAE's 128 channels at full resolution (~24 bytes per pixel and channel);
     * counted at 28, as the measured peaks of tiles run higher for their size.
     */
    public long activationBytes(int h, int w, VaeTiling tiling) {
        TilePlan plan = tiling.planFor(h, w, config.upscale());
        long rows = plan == null ? h : Math.min(h, plan.tile());
        long cols = plan == null ? w : Math.min(w, plan.tile());
        long pixels = rows * cols * config.upscale() * config.upscale();
        return pixels * 28L * config.upBlockChannels(config.upBlockCount() - 1);
    }

    /** Where the weights are and decoding computes. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * Opens a diffusers {@code vae/} folder (its {@code config.json} and weights) or a single-file VAE such as
     * ComfyUI's {@code ae.safetensors}, which carries no config and is the FLUX VAE ({@link VaeConfig#flux()}).
     */
    public static VaeDecoder open(Path folderOrFile) throws IOException {
        VaeConfig config = VaeConfig.forWeights(folderOrFile);
        try (WeightSource source = WeightSources.open(folderOrFile)) {
            return load(config, source);
        }
    }

    public VaeConfig config() {
        return config;
    }

    /** {@link #forward(Tensor, WorkMonitor)} without a monitor. */
    public Tensor forward(Tensor z) {
        return forward(z, WorkMonitor.NONE);
    }

    /**
     * The bare decoder: {@code z} (already de-normalised) {@code [B, 16, h, w]} to {@code [B, 3, 8h, 8w]}, about
     * [-1, 1], float32. A half-precision {@code z} is widened first. {@code monitor} hears of the start (0) and of
     * every layer (mid-block layers, each resnet and upsampler of the up blocks, the output head, weighted by their
     * multiply-adds); if it throws, every temporary of the pass is freed and the decoder stays usable. {@code z}
     * must be on the decoder's {@link #device()}.
     */
    public Tensor forward(Tensor z, WorkMonitor monitor) {
        long[] s = z.shape();
        if (s.length != 4 || s[1] != config.latentChannels()) {
            throw new InvalidLatentException("decoder input has shape " + Arrays.toString(s) + "; it needs [batch, "
                    + config.latentChannels() + ", height, width]");
        }
        if (!z.device().equals(device)) {
            // as the transformer: crossing devices is the caller's explicit move, not a libtorch error mid-pass
            throw new InvalidLatentException("decoder input is on " + z.device() + ", the decoder on " + device
                    + ": move it with toDevice first");
        }
        long area = s[2] * s[3];
        LayerProgress progress = new LayerProgress(monitor, cost(area));
        monitor.progress(0, "");
        try (TensorScope scope = TensorScope.open()) {
            Tensor h = convIn.forward(z.to(ElementType.FLOAT32));
            progress.done(convIn.cost(area), "input");
            h = closing(h, midBlock.forward(h, progress));
            for (int i = 0; i < upBlocks.size(); i++) {
                h = closing(h, upBlocks.get(i).forward(h, progress, "up block " + (i + 1) + "/" + upBlocks.size()));
            }
            long pixels = h.dim(2) * h.dim(3);
            h = closing(h, convNormOut.forwardSilu(h));
            h = closing(h, convOut.forward(h));
            progress.done(convOut.cost(pixels), "output");
            return scope.keep(h);
        }
    }

    /** Multiply-adds of one pass over a latent of {@code area} cells, in the order {@link #forward} reports them. */
    private long cost(long area) {
        long sum = convIn.cost(area) + midBlock.cost(area);
        for (ResnetStage up : upBlocks) {
            sum += up.cost(area);
            area = up.outputArea(area);
        }
        return sum + convOut.cost(area);
    }

    /** {@link #decode(LatentBatch, VaeTiling)} with {@link VaeTiling#auto()}. */
    public List<DecodedImage> decode(LatentBatch latents) {
        return decode(latents, VaeTiling.auto());
    }

    /**
     * The sampler's latents (any floating type, any device) decoded to pictures; see
     * {@link #decode(LatentBatch, VaeTiling)}.
     */
    public List<DecodedImage> decode(Tensor latents, VaeTiling tiling) {
        return decode(LatentBatch.of(latents.toFloatArray(), latents.shape()), tiling);
    }

    /** {@link #decode(LatentBatch, VaeTiling, WorkMonitor)} without a monitor. */
    public List<DecodedImage> decode(LatentBatch latents, VaeTiling tiling) {
        return decode(latents, tiling, WorkMonitor.NONE);
    }

    /**
     * The pipeline's last step for each latent of the batch: de-normalise ({@code x / scaling + shift} in float32),
     * decode (tiled when {@code tiling} plans tiles for this size), and convert to pixels exactly as diffusers'
     * image processor does. The batch is decoded one latent at a time, which bounds the memory.
     *
     * <p>{@code monitor} hears of every layer of every tile ({@link #forward(Tensor, WorkMonitor)}), each tile an
     * equal share of the whole, with details such as {@code "tile 3/9, up block 2/4"} (and {@code "image 2/3"}
     * first for a batch). If it throws, the decode stops there, every temporary is freed, and the exception
     * reaches the caller; the decoder is usable at once.
     *
     * @throws IllegalStateException when the decoder produces non-finite values (damaged weights)
     */
    public List<DecodedImage> decode(LatentBatch latents, VaeTiling tiling, WorkMonitor monitor) {
        LatentBatch z = latents.denormalized(config);
        int h = z.height();
        int w = z.width();
        int cells = LatentBatch.CHANNELS * h * w;
        TilePlan plan = tiling.planFor(h, w, config.upscale());
        List<DecodedImage> images = new ArrayList<>();
        int n = z.batch();
        for (int b = 0; b < n; b++) {
            WorkMonitor image = n == 1 ? monitor
                    : monitor.part((double) b / n, (double) (b + 1) / n, "image " + (b + 1) + "/" + n);
            float[] one = Arrays.copyOfRange(z.values(), b * cells, (b + 1) * cells);
            float[] decoded = plan == null ? decodeWhole(one, h, w, image) : decodeTiled(one, h, w, plan, image);
            requireFinite(decoded, "decoder", "latent");
            int height = h * config.upscale();
            int width = w * config.upscale();
            images.add(new DecodedImage(width, height, Pixels.toUnitRange(decoded, 0, height, width)));
        }
        return images;
    }

    /** One de-normalised latent {@code [1, 16, h, w]} decoded in one piece, as NCHW floats. */
    float[] decodeWhole(float[] z, int h, int w, WorkMonitor monitor) {
        try (DeviceScope on = DeviceScope.use(device); TensorScope s = TensorScope.open()) {
            // channel-fastest, like the convolution weights: every layer keeps that order (toFloatArray reads NCHW)
            return forward(Tensor.of(z, 1, LatentBatch.CHANNELS, h, w).channelsLast(), monitor).toFloatArray();
        }
    }

    /**
     * One de-normalised latent decoded tile by tile; each tile's pixels are added with the plan's weights (a
     * linear cross-fade across every overlap, see {@link TileAxis}), so the result has no seams and equals the
     * tile's own output wherever one tile covers a pixel.
     */
    float[] decodeTiled(float[] z, int h, int w, TilePlan plan, WorkMonitor monitor) {
        return plan.blend(3, monitor, (ry, rx, part) -> decodeWhole(crop(z, h, w, ry, rx), ry.length(), rx.length(),
                part));
    }

    /** The latent cells of one tile, all channels. */
    private static float[] crop(float[] z, int h, int w, TileAxis.Span ry, TileAxis.Span rx) {
        int th = ry.length();
        int tw = rx.length();
        float[] out = new float[LatentBatch.CHANNELS * th * tw];
        for (int c = 0; c < LatentBatch.CHANNELS; c++) {
            for (int y = 0; y < th; y++) {
                System.arraycopy(z, (c * h + ry.start() + y) * w + rx.start(), out, (c * th + y) * tw, tw);
            }
        }
        return out;
    }

    /** Frees the weights. */
    @Override
    public void close() {
        weights.close();
    }
}
