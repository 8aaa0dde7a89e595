package io.github.jimengstudio.dit;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.nn.RmsNorm;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.runtime.WeightLoader;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Z-Image's single-stream diffusion transformer (diffusers {@code ZImageTransformer2DModel}, "S3-DiT"), op for op
 * as zimage-spec.md §4 describes it. It holds its weights (loaded once by canonical names; ComfyUI single files go
 * through {@link ZImageWeightNames}) and computes in float32 or bfloat16.
 *
 * <pre>{@code
 * try (ZImageTransformer dit = ZImageTransformer.load(weights, config)) {
 *     List<Tensor> out = dit.forward(latents, t, captions);   // latents [16, 1, h, w], captions [Lc, cap_feat_dim]
 * }
 * }</pre>
 * The output is the model's prediction as the pipeline receives it (the velocity is its negation), float32.
 */
public final class ZImageTransformer implements AutoCloseable {

    private final ZImageTransformerConfig config;
    private final ElementType computeType;
    private final ComputeDevice device;
    private final TensorScope weights;
    private final Patchifier patchifier;
    private final RopeEmbedder rope;
    private final TimestepEmbedder tEmbedder;
    private final Linear xEmbedder;
    private final Tensor xPadToken;
    private final RmsNorm capNorm;
    private final Linear capEmbedder;
    private final Tensor capPadToken;
    private final List<ZImageBlock> noiseRefiner = new ArrayList<>();
    private final List<ZImageBlock> contextRefiner = new ArrayList<>();
    private final List<ZImageBlock> layers = new ArrayList<>();
    private final FinalLayer finalLayer;
    /** Whether the blocks compute their linears with packed weights (float32 on a CPU, memory permitting). */
    private final boolean packLinears;

    private ZImageTransformer(WeightLoader w, ZImageTransformerConfig c, ElementType computeType, TensorScope weights)
            throws IOException {
        this.config = c;
        this.computeType = computeType;
        this.device = w.device();
        this.weights = weights;
        patchifier = new Patchifier(c);
        rope = RopeEmbedder.of(c);
        long d = c.dim();
        tEmbedder = new TimestepEmbedder(w, c);
        xEmbedder = Linear.load(w, "all_x_embedder." + c.patchKey(), c.patchFeatures(), d, true);
        xPadToken = w.load("x_pad_token", 1, d);
        capNorm = RmsNorm.load(w, "cap_embedder.0", c.capFeatDim(), c.normEps());
        capEmbedder = Linear.load(w, "cap_embedder.1", c.capFeatDim(), d, true);
        capPadToken = w.load("cap_pad_token", 1, d);
        for (int i = 0; i < c.nRefinerLayers(); i++) {
            noiseRefiner.add(ZImageBlock.modulated(w, "noise_refiner." + i, c));
        }
        for (int i = 0; i < c.nRefinerLayers(); i++) {
            contextRefiner.add(ZImageBlock.unmodulated(w, "context_refiner." + i, c));
        }
        for (int i = 0; i < c.nLayers(); i++) {
            layers.add(ZImageBlock.modulated(w, "layers." + i, c));
        }
        finalLayer = new FinalLayer(w, c);
        // The blocks' linears are where a float32 CPU forward spends ~3/4 of its time; packed, each GEMM skips
        // re-laying out its weight. Their copies cost about the blocks' linear weights again.
        long packBytes = 0;
        for (List<ZImageBlock> group : List.of(noiseRefiner, contextRefiner, layers)) {
            for (ZImageBlock b : group) {
                for (Linear l : b.projections()) {
                    packBytes += PackedWeight.bytesFor(l.weight());
                }
            }
        }
        packLinears = computeType == ElementType.FLOAT32 && !layers.isEmpty()
                && PackedWeight.supported(layers.get(0).projections().get(0).weight())
                && PackedWeight.affordable(packBytes);
    }

    /** Loads the weights in the runtime's compute type (float32 on the CPU, bfloat16 on a GPU). */
    public static ZImageTransformer load(WeightSource source, ZImageTransformerConfig config) throws IOException {
        return load(source, config, TorchRuntime.get().computeType());
    }

    /** {@link #load(WeightSource, ZImageTransformerConfig, ElementType, ComputeDevice)} on the current device. */
    public static ZImageTransformer load(WeightSource source, ZImageTransformerConfig config, ElementType computeType)
            throws IOException {
        return load(source, config, computeType, DeviceScope.current());
    }

    /**
     * Loads the weights from {@code source} (diffusers or ComfyUI names, any on-disk float type), checking every
     * name and shape before the first byte is read, and holds them in {@code computeType}, which is also the type
     * the forward pass computes in: FLOAT32 or BFLOAT16 (float16 overflows in this model: spec §9), on
     * {@code device}, where the forward pass also creates its temporaries (its inputs must be there already).
     * {@code source} must stay open while the model is used.
     */
    public static ZImageTransformer load(WeightSource source, ZImageTransformerConfig config, ElementType computeType,
            ComputeDevice device) throws IOException {
        if (computeType != ElementType.FLOAT32 && computeType != ElementType.BFLOAT16) {
            throw new IllegalArgumentException("the transformer computes in FLOAT32 or BFLOAT16, not " + computeType
                    + " (float16 activations overflow in Z-Image and give black images)");
        }
        WeightSource named = ZImageWeightNames.canonical(source, config);
        ZImageWeightNames.check(named, config);
        TensorScope weights = TensorScope.detached();
        try (DeviceScope on = DeviceScope.use(device)) {
            WeightLoader loader = new WeightLoader(named, weights, computeType, device);
            // all at once, before the first of many gigabytes is read
            NativeMemory.require(loader.hostBytes(ZImageWeightNames.shapes(config).keySet()), "the transformer's"
                    + " weights (" + computeType.name().toLowerCase(Locale.ROOT) + " on " + device + ")");
            return new ZImageTransformer(loader, config, computeType, weights);
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    public ZImageTransformerConfig config() {
        return config;
    }

    public ElementType computeType() {
        return computeType;
    }

    /** Where the weights are and the forward pass computes. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * Every Linear layer, named by its canonical (diffusers) module name: where runtime adapters (LoRA) attach,
     * and, with their shapes, the catalogue a LoRA is validated against.
     */
    public List<Linear> linears() {
        List<Linear> all = new ArrayList<>(tEmbedder.linears());
        all.add(xEmbedder);
        all.add(capEmbedder);
        for (List<ZImageBlock> group : List.of(noiseRefiner, contextRefiner, layers)) {
            for (ZImageBlock b : group) {
                all.addAll(b.linears());
            }
        }
        all.addAll(finalLayer.linears());
        return List.copyOf(all);
    }

    /** {@link #forward(List, float[], List, ForwardTrace)} without a trace. */
    public List<Tensor> forward(List<Tensor> latents, float[] t, List<Tensor> captions) {
        return forward(latents, t, captions, null);
    }

    /**
     * One denoising evaluation of a batch.
     *
     * @param latents  per item [C, F, H, W] (the pipeline's latent with a frame axis of 1), any float type
     * @param t        per item, in [0, 1]: the pipeline's (1000 − timestep)/1000; 0 is pure noise
     * @param captions per item [Lc, cap_feat_dim]: the text encoder's features of the real (unpadded) tokens
     * @param trace    receives named intermediates, or null
     * @return per item [C, F, H, W] in float32; owned by the caller's scope (or by the caller)
     * @throws IllegalArgumentException before any native work when an input does not fit the model
     */
    public List<Tensor> forward(List<Tensor> latents, float[] t, List<Tensor> captions, ForwardTrace trace) {
        List<TokenLayout> layouts = validate(latents, t, captions);
        ForwardTrace tr = trace != null ? trace : ForwardTrace.NONE;
        int batch = layouts.size();
        for (Tensor in : latents) {
            checkOnDevice(in, "latents");
        }
        for (Tensor in : captions) {
            checkOnDevice(in, "caption features");
        }
        // Packed copies made during the pass must leave its peak free: the main layers', the widest blocks.
        long packKeepFree = packLinears ? blockWorkingBytes(config,
                batch * layouts.stream().mapToLong(TokenLayout::unifiedLength).max().orElse(0)) : -1;
        try (DeviceScope on = DeviceScope.use(device); TensorScope s = TensorScope.open()) {
            Tensor c = tEmbedder.forward(t, computeType, tr);
            tr.record("t_embedder.out", c);

            // Image tokens: patchify, pad, embed; pad rows become x_pad_token; refine (modulated).
            List<Tensor> patches = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                patches.add(patchifier.patchify(latents.get(i).to(computeType), layouts.get(i)));
                tr.record("patchify.x_tokens." + i, patches.get(i));
            }
            List<Tensor> xItems = withPadTokens(xEmbedder.forward(Tensor.cat(patches, 0)), layouts,
                    TokenLayout::imageTokens, TokenLayout::imagePadded, xPadToken);
            Tensor x = stackPadded(xItems);
            Rotary xRope = rotary(layouts, TokenLayout::imagePositionIds);
            Tensor xMask = keyMask(layouts, TokenLayout::imagePadded);
            for (int i = 0; i < noiseRefiner.size(); i++) {
                traceInputs(tr, "noise_refiner." + i, x, xMask);
                x = closing(x, noiseRefiner.get(i).forward(x, xRope, xMask, c, packKeepFree));
                tr.record("noise_refiner." + i + ".out", x);
            }

            // Caption tokens: pad, RMS norm + linear; pad rows become cap_pad_token; refine (not modulated).
            List<Tensor> capPadded = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                capPadded.add(Patchifier.padByRepeatingLast(captions.get(i).to(computeType),
                        layouts.get(i).captionPadded()));
                tr.record("patchify.cap_feats_padded." + i, capPadded.get(i));
            }
            Tensor capEmbedded = capEmbedder.forward(capNorm.forward(Tensor.cat(capPadded, 0)));
            tr.record("cap_embedder.out", capEmbedded);
            Tensor cap = stackPadded(withPadTokens(capEmbedded, layouts, TokenLayout::captionTokens,
                    TokenLayout::captionPadded, capPadToken));
            Rotary capRope = rotary(layouts, TokenLayout::captionPositionIds);
            Tensor capMask = keyMask(layouts, TokenLayout::captionPadded);
            for (int i = 0; i < contextRefiner.size(); i++) {
                traceInputs(tr, "context_refiner." + i, cap, capMask);
                cap = closing(cap, contextRefiner.get(i).forward(cap, capRope, capMask, null, packKeepFree));
                tr.record("context_refiner." + i + ".out", cap);
            }

            // The unified stream: each item's image tokens, then its caption tokens.
            List<Tensor> unified = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                TokenLayout l = layouts.get(i);
                unified.add(Tensor.cat(List.of(x.select(0, i).slice(0, 0, l.imagePadded()),
                        cap.select(0, i).slice(0, 0, l.captionPadded())), 0));
            }
            Tensor u = stackPadded(unified);
            x.close();
            cap.close();
            Rotary uRope = rotary(layouts, TokenLayout::unifiedPositionIds);
            Tensor uMask = keyMask(layouts, TokenLayout::unifiedLength);
            for (int i = 0; i < layers.size(); i++) {
                traceInputs(tr, "layers." + i, u, uMask);
                u = closing(u, layers.get(i).forward(u, uRope, uMask, c, packKeepFree));
                tr.record("layers." + i + ".out", u);
            }

            Tensor y = finalLayer.forward(u, c);
            List<Tensor> out = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                out.add(s.keep(patchifier.unpatchify(y.select(0, i), layouts.get(i)).to(ElementType.FLOAT32)
                        .contiguous()));
            }
            return out;
        }
    }

    /**
     * Frees a block's input once its output exists, so that one token stream [B, S, dim] is alive at a time instead
     * of every block's (30 main layers of [1, 4160, 3840] float32 would otherwise hold 1.9 GB until the pass ends).
     */
    private static Tensor closing(Tensor input, Tensor output) {
        input.close();
        return output;
    }

    /**
     * Splits the embedded rows of all items ([Σ padded, dim]) per item and replaces each item's pad rows by the
     * learned pad token.
     */
    private List<Tensor> withPadTokens(Tensor rows, List<TokenLayout> layouts, Function<TokenLayout, Integer> real,
            Function<TokenLayout, Integer> padded, Tensor padToken) {
        List<Tensor> items = new ArrayList<>();
        long at = 0;
        for (TokenLayout l : layouts) {
            int n = real.apply(l);
            int p = padded.apply(l);
            Tensor item = rows.slice(0, at, at + n);
            if (p > n) {
                item = Tensor.cat(List.of(item, padToken.expand(p - n, config.dim())), 0);
            }
            items.add(item);
            at += p;
        }
        return items;
    }

    /** [L_i, dim] items → [B, max L, dim], zero rows after each item's end (the reference's pad_sequence). */
    private Tensor stackPadded(List<Tensor> items) {
        long max = items.stream().mapToLong(x -> x.dim(0)).max().orElseThrow();
        List<Tensor> rows = new ArrayList<>();
        for (Tensor item : items) {
            long n = item.dim(0);
            rows.add(n == max ? item : Tensor.cat(List.of(item, Tensor.zeros(computeType, max - n, item.dim(1))), 0));
        }
        return rows.size() == 1 ? rows.get(0).unsqueeze(0) : Tensor.stack(rows, 0);
    }

    private Rotary rotary(List<TokenLayout> layouts, Function<TokenLayout, int[]> ids) {
        List<int[]> all = new ArrayList<>();
        for (TokenLayout l : layouts) {
            all.add(ids.apply(l));
        }
        return new Rotary(rope.factors(all));
    }

    /**
     * The boolean key mask [B, 1, 1, max L] hiding batch padding, or null when all items have the same length (the
     * reference then passes no mask, and pad tokens inside an item are attended like any other).
     */
    private static Tensor keyMask(List<TokenLayout> layouts, Function<TokenLayout, Integer> length) {
        int max = layouts.stream().mapToInt(length::apply).max().orElseThrow();
        if (layouts.stream().allMatch(l -> length.apply(l) == max)) {
            return null;
        }
        boolean[] m = new boolean[layouts.size() * max];
        for (int b = 0; b < layouts.size(); b++) {
            Arrays.fill(m, b * max, b * max + length.apply(layouts.get(b)), true);
        }
        return Tensor.ofBooleans(m, layouts.size(), 1, 1, max);
    }

    private static void traceInputs(ForwardTrace tr, String block, Tensor x, Tensor mask) {
        tr.record(block + ".in.x", x);
        if (mask != null) {
            tr.record(block + ".in.mask", mask);
        }
    }

    /** Refuses inputs the model cannot take, before any native work; returns each item's token layout. */
    private List<TokenLayout> validate(List<Tensor> latents, float[] t, List<Tensor> captions) {
        if (latents.isEmpty() || latents.size() != captions.size() || t.length != latents.size()) {
            throw new IllegalArgumentException("the batch needs one latent, one t and one caption per item; got "
                    + latents.size() + " latents, " + t.length + " t values and " + captions.size() + " captions");
        }
        List<TokenLayout> layouts = new ArrayList<>();
        for (int i = 0; i < latents.size(); i++) {
            if (!(t[i] >= 0 && t[i] <= 1)) {
                throw new IllegalArgumentException("item " + i + ": t is " + t[i] + "; it must lie in [0, 1] (the"
                        + " pipeline passes (1000 - timestep) / 1000, i.e. 1 - sigma)");
            }
            if (!latents.get(i).type().isFloating() || !captions.get(i).type().isFloating()) {
                throw new IllegalArgumentException("item " + i + ": latents and caption features must be floating"
                        + " point, got " + latents.get(i).type() + " and " + captions.get(i).type());
            }
            layouts.add(TokenLayout.of(config, latents.get(i).shape(), captions.get(i).shape(), i));
        }
        return layouts;
    }

    /** Crossing devices is the caller's explicit move (Tensor.toDevice), never an implicit copy in here. */
    private void checkOnDevice(Tensor in, String what) {
        if (!in.device().equals(device)) {
            throw new IllegalArgumentException(what + " are on " + in.device() + ", the transformer on " + device
                    + ": move them with toDevice first");
        }
    }

    /**
     * About the native memory a forward pass over {@code batch} items of {@code imageTokens} image and
     * {@code captionTokens} caption tokens takes at its peak beyond the weights, padded as the pass pads.
     */
    public long activationBytes(int batch, long imageTokens, long captionTokens) {
        long tokens = imageTokens + Math.floorMod(-imageTokens, 32) + captionTokens + Math.floorMod(-captionTokens, 32);
        return blockWorkingBytes(config, batch * tokens);
    }

    /**
     * The peak of a block's live activations over {@code rows} tokens: the attention half holds about 11 rows of
     * dim (input, normed input, q, k, v, their float32 heads-first copy, output and its token-major copy), the
     * feed-forward half about 4 of dim and 2 of the hidden width. Counted in float32, which the bfloat16 pass also
     * uses for its q/k/v copy and norms.
     */
    static long blockWorkingBytes(ZImageTransformerConfig c, long rows) {
        return rows * Math.max(11L * c.dim(), 4L * c.dim() + 2L * c.ffnHidden()) * Float.BYTES;
    }

    /**
     * Whether the blocks' linears compute with packed weights ({@link PackedWeight}): float32 on a CPU whose
     * libtorch has MKL, when the copies fit ({@link PackedWeight#affordable}). Packs are made by the first forward
     * at each token count.
     */
    public boolean packsLinears() {
        return packLinears;
    }

    /**
     * Frees the blocks' packed copies (the next forward makes them again): for a caller that needs their memory,
     * e.g. for the VAE's working memory after the last step.
     */
    public void releasePacked() {
        for (Linear l : linears()) {
            l.releasePacked();
        }
    }

    /** Frees the weights and their packed copies. */
    @Override
    public void close() {
        releasePacked();
        weights.close();
    }
}
