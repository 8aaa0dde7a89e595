package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.lora.LoraManager;
import io.github.jimengstudio.lora.LoraRejectedException;
import io.github.jimengstudio.lora.LoraSelection;
import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.pipeline.ResidencyPlan.Component;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.InsufficientMemoryException;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.sampling.FlowMatchEulerScheduler;
import io.github.jimengstudio.sampling.SchedulerConfig;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.textenc.PromptEmbedding;
import io.github.jimengstudio.textenc.PromptEmbeddingCache;
import io.github.jimengstudio.textenc.PromptEncoder;
import io.github.jimengstudio.textenc.TokenizedPrompt;
import io.github.jimengstudio.vae.DecodedImage;
import io.github.jimengstudio.vae.LatentBatch;
import io.github.jimengstudio.vae.RgbImage;
import io.github.jimengstudio.vae.VaeConfig;
import io.github.jimengstudio.vae.VaeDecoder;
import io.github.jimengstudio.vae.VaeTiling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Z-Image-Turbo end to end: a {@link GenerationRequest} in, a {@link GeneratedImage} with its
 * {@link GenerationRecord} out. It mirrors diffusers' {@code ZImagePipeline.__call__} (zimage-spec §0, §5, §6):
 * <ol>
 *   <li>encode the prompt (and, with guidance, the negative prompt) through the prompt cache;</li>
 *   <li>draw the noise {@code [1, 16, H/8, W/8]} with torch's CPU generator ({@link TorchCpuRandom}), so a seed gives
 *       the same image as diffusers with a CPU generator and as ComfyUI, on any device;</li>
 *   <li>run the {@link DenoisingLoop} (float32 latents, exact Euler) with the transformer;</li>
 *   <li>decode with the VAE in float32 and round to 8-bit RGB.</li>
 * </ol>
 * A request's LoRAs (from the {@link LoraLibrary} of {@link PipelineOptions#loraFolder()}, or the caller's own library
 * handed to {@link #load(ModelLocation, PipelineOptions, LoraLibrary, ProgressListener, CancellationToken)} or
 * {@link #useLoraLibrary}, so that a front end and the pipeline see one list) are applied as runtime adapters on the
 * transformer,
 * {@code W x + s·B(A x)}; the base weights are never changed, so a request without LoRAs gets the base model bit for
 * bit. Networks are loaded once, for the options' memory mode and precision, and kept as the request's
 * {@link MemoryMode} says ({@link ResidencyPlan}); a request is computed in exactly the precision it asks for, so one
 * that needs a network on another device or in another precision reloads that network once, with a
 * {@link ProgressListener#warning} saying so, and it stays that way for the requests after it. One
 * generation runs at a time (callers are serialised); progress, previews and the outcome go to the
 * {@link ProgressListener}. A cancel is honoured before and after each stage, between steps, inside the
 * transformer between its blocks, inside the text encoder between its layers and inside the VAE decode between its
 * layers and tiles (which also report their progress, {@link ProgressListener#stageProgress}); afterwards the
 * pipeline is ready at once. After {@link
 * PipelineOptions#idleRelease()} without a generation the transformer is freed from the GPU.
 */
public final class ZImagePipeline implements AutoCloseable {

    /** The Turbo scheduler when the model carries no scheduler config (ComfyUI files). */
    static final SchedulerConfig TURBO_SCHEDULER = SchedulerConfig.withShift(1000, 3.0);

    /** Debug taps for golden tests: named float32 stages of one generation. */
    @FunctionalInterface
    interface Trace {
        Trace NONE = (name, values) -> { };

        void record(String name, float[] values);

        /** Token ids of the templated prompts ({@code token_ids}, {@code negative.token_ids}). */
        default void ids(String name, long[] ids) {
        }
    }

    private final ModelLocation location;
    /** The options loaded with; {@link #options()} gives them with the LoRA library's folder in use now. */
    private final PipelineOptions options;
    private final TorchRuntime runtime;
    /** The GPU this pipeline may place networks on, or null (none, or the CPU was asked for). */
    private final ComputeDevice gpu;
    private final SchedulerConfig schedulerConfig;
    private final ZImageTransformerConfig transformerConfig;
    private final VaeConfig vaeConfig;
    private final PromptEmbeddingCache promptCache;
    /** The LoRA folder's library, or null; replaced under the lock by {@link #useLoraLibrary}. */
    private volatile LoraLibrary loraLibrary;
    private final SecureRandom seeds = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private ScheduledExecutorService idleTimer;
    private ScheduledFuture<?> pendingRelease;

    // The loaded networks (null when not loaded); guarded by lock.
    private PromptEncoder encoder;
    private WeightSource transformerWeights;
    private ZImageTransformer transformer;
    private LoraManager loras;
    private VaeDecoder vae;
    private boolean closed;
    /**
     * Where each loaded network is now ({@link #loaded}), republished under the lock after every load and unload,
     * so that {@link #deviceDescription()} and {@link #isLoaded} answer at once, without waiting behind a running
     * generation. A network that is not loaded has no entry.
     */
    private volatile Map<Component, Placement> residency = Map.of();

    private ZImagePipeline(ModelLocation location, PipelineOptions options, LoraLibrary loraLibrary,
            TorchRuntime runtime, ComputeDevice gpu, SchedulerConfig schedulerConfig,
            ZImageTransformerConfig transformerConfig, VaeConfig vaeConfig) {
        this.location = location;
        this.options = options;
        this.runtime = runtime;
        this.gpu = gpu;
        this.schedulerConfig = schedulerConfig;
        this.transformerConfig = transformerConfig;
        this.vaeConfig = vaeConfig;
        this.promptCache = new PromptEmbeddingCache(options.promptCacheBytes());
        this.loraLibrary = loraLibrary;
    }

    /** {@link #load(ModelLocation, PipelineOptions, ProgressListener, CancellationToken)} without progress. */
    public static ZImagePipeline load(ModelLocation location, PipelineOptions options) throws IOException {
        return load(location, options, ProgressListener.NONE, CancellationToken.none());
    }

    /**
     * Starts the engine, reads the configurations and loads the networks for {@link PipelineOptions#memoryMode()}
     * in {@link PipelineOptions#precision()} (visiting networks of LOW_VRAM on a GPU are loaded when used). Every
     * file is validated before it is loaded.
     *
     * @param location from {@link ModelLocator}, any layout
     * @throws IOException                  when a file is missing, malformed or does not fit its configuration
     * @throws GenerationCancelledException when {@code cancel} is set between loading networks
     */
    public static ZImagePipeline load(ModelLocation location, PipelineOptions options, ProgressListener listener,
            CancellationToken cancel) throws IOException {
        Objects.requireNonNull(options, "options");
        return load(location, options, options.loraFolder() == null ? null : new LoraLibrary(options.loraFolder()),
                listener, cancel);
    }

    /**
     * {@link #load(ModelLocation, PipelineOptions, ProgressListener, CancellationToken)} taking LoRAs from the
     * caller's {@code loras} (null: none) instead of a library of its own: a front end that lists the LoRAs (Fiji's
     * service) and the pipeline then share one library, scanned once, and always agree on what is there.
     * {@link #options()} then names the library's folder instead of {@link PipelineOptions#loraFolder()}.
     */
    public static ZImagePipeline load(ModelLocation location, PipelineOptions options, LoraLibrary loras,
            ProgressListener listener, CancellationToken cancel) throws IOException {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(options, "options");
        TorchRuntime runtime = TorchRuntime.get();
        ComputeDevice gpu = gpuFor(options.device(), runtime);
        SchedulerConfig scheduler = location.schedulerConfig().isPresent()
                ? SchedulerConfig.read(location.schedulerConfig().get()) : TURBO_SCHEDULER;
        ZImagePipeline p = new ZImagePipeline(location, options, loras, runtime, gpu, scheduler,
                ComponentConfigs.transformer(location.transformer()), ComponentConfigs.vae(location.vae()));
        try {
            p.lock.lock();
            try {
                ResidencyPlan plan = new ResidencyPlan(options.memoryMode(), p.gpu);
                GenerationTimings.Recorder ignored = new GenerationTimings.Recorder();
                for (Component c : Component.values()) {
                    if (plan.resident(c)) {
                        p.ensure(c, plan, options.precision(), ignored, listener, cancel);
                    }
                }
            } finally {
                p.lock.unlock();
            }
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * The GPU a pipeline may use: none for {@code CPU} (every network then loads onto the CPU, whatever the engine's
     * default device; nothing needs fixing at start), the engine's default device for {@code AUTO} (the first GPU
     * unless {@code jimeng.device=cpu}), and the first GPU for {@code GPU}, refused when libtorch sees none.
     */
    static ComputeDevice gpuFor(DevicePreference device, TorchRuntime rt) {
        return switch (device) {
            case CPU -> null;
            case AUTO -> rt.device().isCuda() ? rt.device() : null;
            case GPU -> {
                ComputeDevice first = ComputeDevice.cuda(0);
                rt.checkAvailable(first);
                yield first;
            }
        };
    }

    public ModelLocation location() {
        return location;
    }

    /** The options this pipeline was loaded with, naming the folder of the LoRA library it uses now. */
    public PipelineOptions options() {
        LoraLibrary library = loraLibrary;
        return options.withLoraFolder(library == null ? null : library.folder());
    }

    /**
     * Where each network is now, in which precision, and libtorch, one line for the user: e.g. {@code text encoder,
     * transformer: bfloat16 on cpu; VAE: float32 on cpu (libtorch 2.7.1, 2 threads)}. It follows the requests: after
     * one in another memory mode or precision it says where that request left the networks, and a network freed
     * (LOW_VRAM's visitors, the idle release, {@link #unloadAll}) is "not loaded".
     */
    public String deviceDescription() {
        Map<Component, Placement> now = residency;
        Map<String, List<String>> networksAt = new LinkedHashMap<>();
        for (Component c : Component.values()) {
            Placement p = now.get(c);
            networksAt.computeIfAbsent(p == null ? "not loaded" : p.toString(), k -> new ArrayList<>()).add(c.label());
        }
        List<String> parts = new ArrayList<>();
        networksAt.forEach((where, networks) -> parts.add(String.join(", ", networks) + ": " + where));
        return String.join("; ", parts) + " (libtorch " + runtime.libtorchVersion() + ", " + runtime.threads()
                + " threads)";
    }

    /** True when a GPU was found for the device preference; false when everything runs on the CPU. */
    public boolean hasGpu() {
        return gpu != null;
    }

    /** "cpu", "cuda:0", or e.g. "cuda:0 (text encoder, VAE on cpu)" when the plan splits the networks. */
    static String placement(ResidencyPlan plan) {
        ComputeDevice main = plan.device(Component.TRANSFORMER);
        List<String> elsewhere = new ArrayList<>();
        for (Component c : Component.values()) {
            if (!plan.device(c).equals(main)) {
                elsewhere.add(c.label());
            }
        }
        return elsewhere.isEmpty() ? main.toString()
                : main + " (" + String.join(", ", elsewhere) + " on " + ComputeDevice.CPU + ")";
    }

    /** {@link #generate(GenerationRequest, ProgressListener, CancellationToken)} without progress or cancel. */
    public GeneratedImage generate(GenerationRequest request) throws IOException {
        return generate(request, ProgressListener.NONE, CancellationToken.none());
    }

    /**
     * Makes one image. A request without a seed gets one drawn here, and the record holds it.
     *
     * @throws InvalidRequestException      when the request does not fit this model (before any native work)
     * @throws GenerationCancelledException when cancelled; the pipeline is ready for the next request
     * @throws NonFiniteValuesException     when a step produces NaN or infinite values (naming the step)
     * @throws LoraRejectedException        when a requested LoRA does not fit the model (nothing was applied)
     * @throws IOException                  when a network's or LoRA's files cannot be (re)loaded
     */
    public GeneratedImage generate(GenerationRequest request, ProgressListener listener, CancellationToken cancel)
            throws IOException {
        return generate(request, listener, cancel, Trace.NONE);
    }

    GeneratedImage generate(GenerationRequest request, ProgressListener listener, CancellationToken cancel,
            Trace trace) throws IOException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancel, "cancel");
        ResidencyPlan plan = null;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("this pipeline is closed; load the model again");
            }
            cancelIdleRelease();
            checkFitsModel(request); // before the plan: a refused request leaves the networks where they are
            plan = new ResidencyPlan(request.memoryMode(), gpu);
            // Networks a resident mode left loaded go first: LOW_VRAM after BALANCED must not bring the text
            // encoder onto the GPU while the whole transformer still sits there.
            releaseVisitors(plan);
            return run(request.withResolvedSeed(seeds), plan, listener, cancel, trace);
        } catch (GenerationCancelledException e) {
            listener.cancelled(e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            // libtorch's own allocation failures (a GPU's memory, or an estimate that fell short) say so plainly
            RuntimeException shown = InsufficientMemoryException.fromNative(e, "Nothing was lost and the model"
                    + " stays loaded: try a smaller size, guidance 0, a memory mode that keeps less on the device,"
                    + " or more free memory.");
            shown = shown != null ? shown : e;
            listener.failed(shown);
            throw shown;
        } catch (IOException | Error e) {
            listener.failed(e);
            throw e;
        } finally {
            if (plan != null) {
                releaseVisitors(plan); // a cancel or failure mid-stage must not leave a visiting network behind
            }
            runtime.releaseFreedMemory();
            scheduleIdleRelease();
            lock.unlock();
        }
    }

    private GeneratedImage run(GenerationRequest request, ResidencyPlan plan, ProgressListener listener,
            CancellationToken cancel, Trace trace) throws IOException {
        String precision = ResidencyPlan.label(plan.precision(Component.TRANSFORMER, request.precision()));
        GenerationTimings.Recorder timings = new GenerationTimings.Recorder();
        List<String> warnings = new ArrayList<>();
        cancel.throwIfCancelled("before it started");

        // 1. Prompt embeddings (the negative prompt only when guidance runs).
        ensure(Component.TEXT_ENCODER, plan, request.precision(), timings, listener, cancel);
        checkCaptionFits(request);
        timings.begin(Stage.ENCODING);
        listener.stage(Stage.ENCODING);
        WorkMonitor encoding = monitor(Stage.ENCODING, listener, cancel);
        PromptEmbedding positive = encode(request.prompt(), "prompt", warnings, listener,
                request.usesGuidance() ? encoding.part(0, 0.5, "prompt") : encoding);
        PromptEmbedding negative = request.usesGuidance()
                ? encode(request.negativePrompt(), "negative prompt", warnings, listener,
                        encoding.part(0.5, 1, "negative prompt"))
                : null;
        if (trace != Trace.NONE) { // toFloatArray copies the embedding: only for golden tests, not every image
            trace.ids("token_ids", positive.tokens().ids());
            trace.record("prompt_embeds", positive.toFloatArray());
            if (negative != null) {
                trace.ids("negative.token_ids", negative.tokens().ids());
                trace.record("negative_prompt_embeds", negative.toFloatArray());
            }
        }
        release(Component.TEXT_ENCODER, plan);
        cancel.throwIfCancelled("after encoding the prompt");

        // 2. LoRAs, noise and the denoising loop.
        ensure(Component.TRANSFORMER, plan, request.precision(), timings, listener, cancel);
        try (DeviceScope on = DeviceScope.use(transformer.device())) {
            selectLoras(request); // LoRA factors are uploaded next to the weights they adapt
        }
        int h = 2 * (request.height() / 16);
        int w = 2 * (request.width() / 16);
        if (!transformer.device().isCuda()) {
            int captionTokens = Math.max(positive.length(), negative == null ? 0 : negative.length());
            requireWorkingMemory(transformer.activationBytes(request.usesGuidance() ? 2 : 1, (long) (h / 2) * (w / 2),
                    captionTokens), "the transformer", request);
        }
        timings.begin(Stage.DENOISING);
        listener.stage(Stage.DENOISING);
        float[] noise = new TorchCpuRandom(request.seed()).randn(1, LatentPreview.CHANNELS, h, w);
        trace.record("init_latents", noise);
        FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(schedulerConfig);
        scheduler.setTimesteps(request.steps());
        DenoisingLoop loop = DenoisingLoop.of(scheduler, request, precision);
        int n = loop.steps();
        float[] latents;
        // The caption features are host floats wherever the encoder ran; they cross to the transformer's device here
        // (and to its compute type inside it).
        try (DeviceScope on = DeviceScope.use(transformer.device()); TensorScope generation = TensorScope.open()) {
            Tensor pos = positive.toTensor();
            Tensor neg = negative != null ? negative.toTensor() : null;
            latents = loop.run(noise, new TransformerModel(transformer, pos, neg, h, w, n, cancel), cancel,
                    (i, velocity, after) -> {
                        trace.record("step." + i + ".noise_pred", velocity);
                        trace.record("step." + i + ".latents", after);
                        timings.stepDone();
                        double doneMs = timings.denoisingMillis();
                        Duration elapsed = Duration.ofNanos((long) (doneMs * 1e6));
                        Duration eta = Duration.ofNanos((long) (doneMs / (i + 1) * (n - i - 1) * 1e6));
                        listener.step(i + 1, n, elapsed, eta);
                        float[] x0 = LatentPreview.denoisedEstimate(after, velocity, scheduler.sigma(i + 1));
                        listener.preview(LatentPreview.project(x0, h, w, i + 1, n));
                        timings.previewShown();
                    });
        }
        trace.record("final_latents", latents);
        release(Component.TRANSFORMER, plan);
        cancel.throwIfCancelled("before decoding");

        // 3. Decode in float32 and round to bytes as diffusers' image processor does.
        ensure(Component.VAE, plan, request.precision(), timings, listener, cancel);
        if (!vae.device().isCuda()) {
            requireWorkingMemory(vae.activationBytes(h, w, VaeTiling.auto()), "the VAE", request);
        }
        timings.begin(Stage.DECODING);
        listener.stage(Stage.DECODING);
        DecodedImage decoded = vae.decode(LatentBatch.of(latents, 1, LatentPreview.CHANNELS, h, w),
                VaeTiling.auto(), monitor(Stage.DECODING, listener, cancel)).get(0);
        trace.record("image", decoded.rgb());
        RgbImage rgb = decoded.toRgb8();
        release(Component.VAE, plan);

        GenerationRecord record = new GenerationRecord(request, location.identity(), Version.full(),
                placement(plan), precision, "libtorch " + runtime.libtorchVersion(), samplerName(),
                Instant.now(), timings.finish(), warnings);
        GeneratedImage image = new GeneratedImage(rgb.width(), rgb.height(), rgb.rgb(), record);
        listener.finished(image);
        return image;
    }

    /**
     * The networks' view of the user's cancel and the listener: at each point between layers or tiles, a cancel
     * stops the stage there (the network frees its temporaries as the exception passes), otherwise the listener
     * hears how far the stage is.
     */
    private static WorkMonitor monitor(Stage stage, ProgressListener listener, CancellationToken cancel) {
        return (fraction, detail) -> {
            cancel.throwIfCancelled("while " + stage.label() + (detail.isEmpty() ? "" : " (" + detail + ")"));
            listener.stageProgress(stage, fraction, detail);
        };
    }

    private PromptEmbedding encode(String text, String what, List<String> warnings, ProgressListener listener,
            WorkMonitor monitor) throws IOException {
        PromptEmbedding e = encoder.encode(text, monitor);
        int bad = NonFiniteValuesException.count(e.toFloatArray());
        if (bad > 0) {
            // caught here, the text encoder is named: found after a denoising step, it was blamed on the transformer
            String precision = ResidencyPlan.label(precisionOf(encoder.encoder().computeType()));
            throw new NonFiniteValuesException(Stage.ENCODING, 0, "The text encoder produced " + bad + " NaN or "
                    + "infinite values (of " + (long) e.length() * e.hidden() + ") for the " + what + ", so the "
                    + "transformer could only pass them on; stopped before it ran. The text encoder ran in "
                    + precision + ". " + NonFiniteValuesException.advice(precision));
        }
        if (e.warning().isPresent()) {
            String w = "The " + what + ": " + e.warning().get();
            warnings.add(w);
            listener.warning(w);
        }
        return e;
    }

    private String samplerName() {
        return String.format(Locale.ROOT, "flow-match Euler, shift %s, diffusers 0.39 sigmas",
                GenerationRecord.trim(schedulerConfig.shift()));
    }

    /** Makes the request's LoRAs the transformer's active set (none: the base model, bit for bit). */
    private void selectLoras(GenerationRequest request) throws IOException {
        if (loras == null) {
            return; // no LoRA folder: checkFitsModel refused any LoRA already
        }
        List<LoraSelection> selections = new ArrayList<>();
        for (LoraUse l : request.loras()) {
            selections.add(new LoraSelection(l.name(), l.strength()));
        }
        loras.select(selections);
    }

    // ---- checks before native work ---------------------------------------------------------------------------

    /**
     * Sizes the transformer's position tables cannot index, and LoRA names that are not in the LoRA folder, are
     * refused. (Whether a LoRA's tensors fit the model is checked when it is selected, before the first step.)
     */
    private void checkFitsModel(GenerationRequest request) throws IOException {
        for (LoraUse l : request.loras()) {
            if (loraLibrary == null) {
                throw new InvalidRequestException("LoRA '" + l.name() + "' was asked for, but no LoRA folder is set"
                        + " (command line: --lora-dir DIR).");
            }
            try {
                loraLibrary.ensureScanned().resolve(l.name()); // scanned, so that a miss lists what is there
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        int[] lens = transformerConfig.axesLens();
        int patch = transformerConfig.patchSize();
        int rows = request.height() / 8 / patch;
        int cols = request.width() / 8 / patch;
        if (rows > lens[1] || cols > lens[2]) {
            throw new InvalidRequestException(String.format(Locale.ROOT,
                    "%dx%d px needs %dx%d image positions, but this model's position tables (axes_lens %s) hold"
                            + " at most %dx%d: use at most %dx%d px.", request.width(), request.height(), cols, rows,
                    java.util.Arrays.toString(lens), lens[2], lens[1], lens[2] * patch * 8, lens[1] * patch * 8));
        }
    }

    /**
     * Caption tokens take axis-0 positions 1..Lc_pad and image tokens Lc_pad + 1 (README.md §1.2), so the padded
     * caption must leave room in axis 0's table. Checked on the token ids, before the encoder runs.
     */
    private void checkCaptionFits(GenerationRequest request) throws IOException {
        checkCaptionFits(encoder.tokenize(request.prompt()), "prompt");
        if (request.usesGuidance()) {
            checkCaptionFits(encoder.tokenize(request.negativePrompt()), "negative prompt");
        }
    }

    private void checkCaptionFits(TokenizedPrompt tokens, String what) {
        int multiple = ZImageTransformerConfig.SEQ_MULTI_OF;
        int padded = (tokens.length() + multiple - 1) / multiple * multiple;
        int axis0 = transformerConfig.axesLens()[0];
        if (padded + 1 >= axis0) {
            throw new InvalidRequestException("The " + what + " is " + tokens.length() + " tokens with the chat"
                    + " template (" + padded + " padded), but this model's position table (axes_lens[0] = " + axis0
                    + ") takes at most " + ((axis0 - 2) / multiple * multiple) + ": shorten it.");
        }
    }

    // ---- residency -------------------------------------------------------------------------------------------

    private static ElementType elementType(Precision p) {
        return p == Precision.BFLOAT16 ? ElementType.BFLOAT16 : ElementType.FLOAT32;
    }

    /** Where a network computes and in which precision. */
    private record Placement(ComputeDevice device, Precision precision) {
        @Override
        public String toString() {
            return ResidencyPlan.label(precision) + " on " + device;
        }
    }

    /** Where and how the component is loaded now, or null when it is not loaded. Under the lock. */
    private Placement loaded(Component c) {
        return switch (c) {
            case TEXT_ENCODER -> encoder == null ? null
                    : new Placement(encoder.encoder().device(), precisionOf(encoder.encoder().computeType()));
            case TRANSFORMER -> transformer == null ? null
                    : new Placement(transformer.device(), precisionOf(transformer.computeType()));
            case VAE -> vae == null ? null : new Placement(vae.device(), Precision.FLOAT32);
        };
    }

    /** Republishes {@link #residency} from the loaded networks; after every load and unload, under the lock. */
    private void publishResidency() {
        Map<Component, Placement> now = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            Placement p = loaded(c);
            if (p != null) {
                now.put(c, p);
            }
        }
        residency = Collections.unmodifiableMap(now);
    }

    private static Precision precisionOf(ElementType t) {
        return t == ElementType.BFLOAT16 ? Precision.BFLOAT16 : Precision.FLOAT32;
    }

    /**
     * Loads the component if it is not loaded on the device and in the precision the plan asks for. Replacing a
     * loaded network (another precision or memory mode than it was loaded for) is announced as a warning: it costs
     * a load the user can avoid by loading the pipeline for the settings they generate with.
     */
    private void ensure(Component c, ResidencyPlan plan, Precision requested, GenerationTimings.Recorder timings,
            ProgressListener listener, CancellationToken cancel) throws IOException {
        Placement wanted = new Placement(plan.device(c), plan.precision(c, requested));
        Placement now = loaded(c);
        if (wanted.equals(now)) {
            return;
        }
        cancel.throwIfCancelled("before loading the " + c.label());
        if (now != null) {
            listener.warning(reloadNotice(c, now, wanted, plan.mode(), requested));
        }
        if (timings.current() != Stage.LOADING) { // several networks loaded in a row are one loading stage
            timings.begin(Stage.LOADING);
            listener.stage(Stage.LOADING);
        }
        ElementType type = elementType(wanted.precision());
        ComputeDevice device = wanted.device();
        unload(c);
        try {
            try {
                load(c, type, device);
            } catch (InsufficientMemoryException e) {
                if (!releasePackedCopies()) {
                    throw e;
                }
                load(c, type, device); // the transformer's packed copies may have held what was missing
            }
        } catch (InsufficientMemoryException e) {
            throw new InsufficientMemoryException(memoryAdvice(c, wanted) + " " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // libtorch's own failure, e.g. a GPU without room for the network
            InsufficientMemoryException oom = InsufficientMemoryException.fromNative(e, memoryAdvice(c, wanted));
            throw oom != null ? oom : e;
        }
        publishResidency();
    }

    /** Loads one network; the caller has unloaded it. Under the lock. */
    private void load(Component c, ElementType type, ComputeDevice device) throws IOException {
        switch (c) {
            case TEXT_ENCODER -> {
                ComponentFiles te = location.textEncoder();
                encoder = PromptEncoder.open(location.tokenizerFolder(), te.config().orElse(null),
                        WeightSources.open(te.weights()), location.identity(), promptCache, type, device);
            }
            case TRANSFORMER -> {
                // The mapping is kept only with the transformer it feeds: a load that fails (a file that no longer
                // fits, no memory left for the new precision) must not leave it open behind an unloaded network.
                WeightSource weights = WeightSources.open(location.transformer().weights());
                try {
                    transformer = ZImageTransformer.load(weights, transformerConfig, type, device);
                } catch (IOException | RuntimeException | Error e) {
                    try {
                        weights.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                transformerWeights = weights;
                attachLoras();
            }
            case VAE -> {
                try (WeightSource source = WeightSources.open(location.vae().weights())) {
                    vae = VaeDecoder.load(vaeConfig, source, device);
                }
            }
            default -> throw new AssertionError(c);
        }
    }

    /**
     * Refuses a stage whose working memory on the CPU would not fit in the free memory, before it starts (the
     * loaded networks stay; the generation stops with nothing lost).
     */
    private void requireWorkingMemory(long bytes, String network, GenerationRequest request) {
        String what = network + "'s working memory at " + request.width() + " x " + request.height();
        try {
            try {
                NativeMemory.require(bytes, what);
            } catch (InsufficientMemoryException e) {
                if (!releasePackedCopies()) {
                    throw e;
                }
                NativeMemory.require(bytes, what);
            }
        } catch (InsufficientMemoryException e) {
            throw new InsufficientMemoryException(e.getMessage() + " Try a smaller size"
                    + (request.usesGuidance() ? ", guidance 0 (one pass per step instead of two)" : "")
                    + ", or more free memory (close other programs, or images you no longer need).", e);
        }
    }

    /**
     * Frees the transformer's packed weight copies (it makes them again when memory allows), before refusing a
     * load or a stage for want of memory; false when it holds none that could be freed. Under the lock.
     */
    private boolean releasePackedCopies() {
        if (transformer == null || !transformer.packsLinears()) {
            return false;
        }
        transformer.releasePacked();
        return true;
    }

    /** What to change when a network does not fit in the free memory where the plan puts it. */
    private String memoryAdvice(Component c, Placement wanted) {
        List<String> options = new ArrayList<>();
        if (wanted.device().isCuda()) {
            options.add("a memory mode that keeps less on the GPU (Balanced, then Low VRAM)");
        } else if (gpu != null) {
            options.add("a memory mode that puts it on the GPU");
        }
        if (c != Component.VAE && wanted.precision() != Precision.BFLOAT16) {
            options.add("precision bfloat16 (half the memory; fast on a GPU and on CPUs with AMX, slow on others)");
        }
        options.add(wanted.device().isCuda() ? "closing other programs that use the GPU"
                : "more free memory (close other programs, or images you no longer need)");
        return "Not enough memory to load the " + c.label() + " (" + wanted + "). Try " + String.join(", or ",
                options) + ".";
    }

    /**
     * "Reloading the transformer as bfloat16 on cpu (it was float32 on cpu) for this request's precision bfloat16;
     * it stays so for the next requests."
     */
    private static String reloadNotice(Component c, Placement was, Placement wanted, MemoryMode mode,
            Precision requested) {
        List<String> why = new ArrayList<>();
        boolean moved = !was.device().equals(wanted.device());
        if (was.precision() != wanted.precision() && !(moved && requested == Precision.AUTO)) {
            why.add("precision " + requested.name().toLowerCase(Locale.ROOT)); // AUTO follows the device
        }
        if (moved) {
            why.add("memory mode " + mode.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return "Reloading the " + c.label() + " as " + wanted + " (it was " + was + ") for this request's "
                + String.join(" and ", why) + "; it stays so for the next requests.";
    }

    /** Gives the loaded transformer its LoRA adapters from the current library (none without a LoRA folder). */
    private void attachLoras() {
        if (loraLibrary != null) {
            loras = LoraManager.attachedTo(loraLibrary, transformer.linears(), transformer.computeType(),
                    LoraManager.DEFAULT_CACHE_BYTES);
        }
    }

    /** Detaches the transformer's LoRA adapters and frees their uploads; the transformer computes without LoRA. */
    private void detachLoras() throws IOException {
        if (loras != null) {
            LoraManager m = loras;
            loras = null;
            m.close();
        }
    }

    /** Frees a visiting component after its stage. */
    private void release(Component c, ResidencyPlan plan) throws IOException {
        if (!plan.resident(c)) {
            unload(c);
        }
    }

    private void releaseVisitors(ResidencyPlan plan) {
        for (Component c : Component.values()) {
            try {
                release(c, plan);
            } catch (IOException e) {
                // closing a read-only weight mapping; nothing to recover
            }
        }
    }

    private void unload(Component c) throws IOException {
        try {
            switch (c) {
                case TEXT_ENCODER -> {
                    if (encoder != null) {
                        PromptEncoder e = encoder;
                        encoder = null;
                        e.close();
                    }
                }
                case TRANSFORMER -> {
                    detachLoras();
                    if (transformer != null) {
                        transformer.close();
                        transformer = null;
                    }
                    if (transformerWeights != null) {
                        WeightSource s = transformerWeights;
                        transformerWeights = null;
                        s.close();
                    }
                }
                case VAE -> {
                    if (vae != null) {
                        vae.close();
                        vae = null;
                    }
                }
                default -> throw new AssertionError(c);
            }
        } finally {
            publishResidency(); // also when closing failed: what is still loaded stays listed
        }
    }

    /** True when the network is loaded now (for the Diagnostics command and tests; never waits). */
    public boolean isLoaded(Component c) {
        return residency.containsKey(c);
    }

    /** Frees every network now (Fiji's "Unload Model"); the next generation loads them again. */
    public void unloadAll() throws IOException {
        lock.lock();
        try {
            cancelIdleRelease();
            for (Component c : Component.values()) {
                unload(c);
            }
            runtime.releaseFreedMemory();
        } finally {
            lock.unlock();
        }
    }

    /** The library the LoRAs come from (the caller's, when one was handed over), or null when there is none. */
    public LoraLibrary loraLibrary() {
        return loraLibrary;
    }

    /**
     * Takes LoRAs from {@code library} from the next generation on (null: no LoRAs), keeping every loaded network:
     * the LoRA folder only decides which LoRA files there are, not the base model. Unless it is the library in use
     * already, the adapters uploaded from the old one are detached and freed (a name may mean another file in the
     * new one); {@link #options()} names the new folder afterwards. Waits for a running generation to end.
     *
     * @throws IOException when the base weights of a fused LoRA cannot be restored from the checkpoint
     */
    public void useLoraLibrary(LoraLibrary library) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("this pipeline is closed; load the model again");
            }
            if (library == loraLibrary) {
                return;
            }
            detachLoras();
            loraLibrary = library;
            if (transformer != null) {
                attachLoras();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The prompt embedding cache (shared by every encoder this pipeline loads). */
    public PromptEmbeddingCache promptCache() {
        return promptCache;
    }

    // ---- idle release ----------------------------------------------------------------------------------------

    private void scheduleIdleRelease() {
        Duration after = options.idleRelease();
        if (closed || transformer == null || after.isZero() || after.isNegative()
                || (!transformer.device().isCuda() && !options.releaseIdleOnCpu())) {
            return;
        }
        if (idleTimer == null) {
            idleTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jimeng-idle-release");
                t.setDaemon(true);
                return t;
            });
        }
        pendingRelease = idleTimer.schedule(this::releaseIfIdle, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelIdleRelease() {
        if (pendingRelease != null) {
            pendingRelease.cancel(false);
            pendingRelease = null;
        }
    }

    /** Runs on the timer thread; a generation in progress wins (it reschedules the release when it ends). */
    private void releaseIfIdle() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (!closed) {
                unload(Component.TRANSFORMER);
                runtime.releaseFreedMemory();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }

    /** Frees every network and stops the idle timer. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cancelIdleRelease();
            if (idleTimer != null) {
                idleTimer.shutdownNow();
            }
            IOException first = null;
            for (Component c : Component.values()) {
                try {
                    unload(c);
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            runtime.releaseFreedMemory();
            if (first != null) {
                throw first;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Where the model's files are, for messages. */
    public Path root() {
        return location.root();
    }
}
