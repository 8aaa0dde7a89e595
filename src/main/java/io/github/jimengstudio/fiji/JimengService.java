package io.github.jimengstudio.fiji;

import ij.ImagePlus;
import ij.io.FileInfo;
import ij.io.FileSaver;
import ij.process.ColorProcessor;
import io.github.jimengstudio.fiji.GenerationEvent.Kind;
import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.pipeline.ModelSearch;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.PreviewImage;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.RealModelFit;
import io.github.jimengstudio.pipeline.ResourceHashing;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.Version;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.DownloadProgress;
import io.github.jimengstudio.pipeline.download.DownloadResult;
import io.github.jimengstudio.pipeline.download.FreeSpace;
import io.github.jimengstudio.pipeline.download.ModelDownloadException;
import io.github.jimengstudio.pipeline.download.ModelDownloader;
import io.github.jimengstudio.provenance.FileHashes;
import io.github.jimengstudio.provenance.PngTextReader;
import io.github.jimengstudio.provenance.PngWriter;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.provenance.ResourceHashes;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.scijava.event.EventService;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;
import org.scijava.service.AbstractService;
import org.scijava.service.SciJavaService;
import org.scijava.service.Service;

/**
 * Jimeng Studio inside Fiji: the one place that owns the pipeline (DESIGN §6). It loads the model lazily and once,
 * for the memory mode and precision of the first request (a later request in another mode or precision reloads only
 * the networks concerned, with a warning in the log), runs every generation on ONE thread in submission order (the
 * panel, macros and scripts never interleave), reports progress to the status bar, the log and as
 * {@link GenerationEvent}s, keeps the LoRA library (the one the pipeline applies LoRAs from too: one scan, one list),
 * and remembers how each image it made was made. Scripts reach it as {@code #@ JimengService jimeng}.
 *
 * <p>The model folder comes from the preference {@link #setModelFolder}; without one the usual places are searched,
 * Fiji's {@code models/} folder first. The LoRA folder is the preference {@link #setLoraFolder}, else Fiji's
 * {@code lora/}.
 */
@Plugin(type = Service.class)
public class JimengService extends AbstractService implements SciJavaService {

    private static final String MODEL_FOLDER = "modelFolder";
    private static final String LORA_FOLDER = "loraFolder";

    @Parameter
    private LogService log;

    @Parameter
    private org.scijava.app.StatusService status;

    @Parameter
    private EventService events;

    @Parameter
    private PrefService prefs;

    private ExecutorService generationThread;
    private final AtomicLong jobIds = new AtomicLong();
    private final Map<GenerationJob, Boolean> queued = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    /**
     * Loaded and closed only on the generation thread; volatile so that the model status can be read at once from
     * any thread instead of waiting behind a long generation.
     */
    private volatile ZImagePipeline pipeline;
    /**
     * The LoRA folder's library, shared with the pipeline (handed to it at load and on a folder change); replaced
     * only by {@link #currentLoraLibrary}.
     */
    private LoraLibrary loraLibrary;
    /**
     * Generation thread only: the library as of this point in the queue (each new library queues its switch), which
     * a job that loads the model loads it with: the LoRA folder of the job's submission, not a later one.
     */
    private LoraLibrary queuedLoraLibrary;
    private final Map<ImagePlus, GenerationRecord> records = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile CancellationToken download;
    /** Failures already logged by a job's reporter, so that the command that waited for it does not log them again. */
    private final Map<Throwable, Boolean> reported = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public void initialize() {
        generationThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jimeng-generation");
            t.setDaemon(true);
            return t;
        });
        currentLoraLibrary();
    }

    @Override
    public void dispose() {
        cancelAll();
        generationThread.execute(this::closePipeline);
        generationThread.shutdown();
    }

    // ---- where things are ------------------------------------------------------------------------------------

    /** The model folder the user chose, if any. */
    public Optional<Path> modelFolder() {
        String s = prefs.get(JimengService.class, MODEL_FOLDER);
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(Path.of(s));
    }

    /**
     * Uses the model in {@code folder} from the next generation on (null: search the usual places again). A model
     * already loaded from elsewhere is unloaded after the queued generations.
     */
    public void setModelFolder(Path folder) {
        if (folder == null) {
            prefs.remove(JimengService.class, MODEL_FOLDER);
        } else {
            prefs.put(JimengService.class, MODEL_FOLDER, folder.toAbsolutePath().normalize().toString());
        }
        generationThread.execute(() -> {
            if (pipeline != null && !pipeline.root().equals(folder == null ? null
                    : folder.toAbsolutePath().normalize())) {
                closePipeline();
            }
        });
    }

    /**
     * Uses the model in {@code folder} from now on, as {@link #setModelFolder}, after checking that it holds one.
     *
     * @throws io.github.jimengstudio.pipeline.ModelNotFoundException naming what the folder lacks; the previous
     *                                                                 choice stays
     */
    public ModelLocation useModelFolder(Path folder) throws IOException {
        ModelLocation location = new ModelSearch().find(folder);
        setModelFolder(folder);
        return location;
    }

    /** The LoRA folder: the preference, else Fiji's {@code lora/} folder. */
    public Path loraFolder() {
        String s = prefs.get(JimengService.class, LORA_FOLDER);
        if (s != null && !s.isBlank()) {
            return Path.of(s);
        }
        Path app = fijiFolder();
        return (app != null ? app : Path.of("").toAbsolutePath()).resolve(LoraLibrary.DEFAULT_FOLDER_NAME);
    }

    /**
     * Takes LoRAs from {@code folder} (null: Fiji's {@code lora/}) for the generations submitted from now on. The
     * loaded model stays loaded (the folder only decides which LoRAs there are): the new folder's library is scanned
     * on its first use, and the pipeline switches to that same library after the generations queued before. The
     * folder in use already changes nothing.
     */
    public synchronized void setLoraFolder(Path folder) {
        if (folder == null) {
            prefs.remove(JimengService.class, LORA_FOLDER);
        } else {
            prefs.put(JimengService.class, LORA_FOLDER, folder.toAbsolutePath().normalize().toString());
        }
        currentLoraLibrary();
    }

    /**
     * The library of {@link #loraFolder()}. The same folder keeps its library (its scan, and the pipeline's LoRA
     * uploads); a new one gets a new library, not scanned yet, which the pipeline switches to after the generations
     * queued before.
     */
    private synchronized LoraLibrary currentLoraLibrary() {
        Path folder = loraFolder().toAbsolutePath().normalize();
        if (loraLibrary == null || !loraLibrary.folder().equals(folder)) {
            LoraLibrary chosen = new LoraLibrary(folder);
            loraLibrary = chosen;
            generationThread.execute(() -> switchLoraLibrary(chosen));
        }
        return loraLibrary;
    }

    /** On the generation thread: the jobs queued from here on, and the loaded pipeline, take LoRAs from it. */
    private void switchLoraLibrary(LoraLibrary library) {
        queuedLoraLibrary = library;
        if (pipeline == null || pipeline.loraLibrary() == library) {
            return; // loaded later with it, or loaded with it
        }
        try {
            pipeline.useLoraLibrary(library);
            log.info("Jimeng Studio: LoRAs now from " + library.folder() + "; the model stays loaded");
        } catch (IOException | RuntimeException e) {
            log.warn("Jimeng Studio: switching the LoRA folder: " + e.getMessage() + "; the model is unloaded and "
                    + "loaded again by the next generation");
            closePipeline();
        }
    }

    /** The Fiji (ImageJ) installation folder, when this runs inside one. */
    static Path fijiFolder() {
        for (String key : new String[] {"scijava.app.directory", "imagej.dir", "ij.dir", "fiji.dir"}) {
            String v = System.getProperty(key);
            if (v != null && !v.isBlank()) {
                return Path.of(v).toAbsolutePath().normalize();
            }
        }
        return null;
    }

    /**
     * The model: the chosen folder only, or the first complete one among {@code $JIMENG_MODEL}, Fiji's models/ and
     * the usual places (the command line's search, with this Fiji's own folder first).
     */
    public ModelLocation locateModel() throws IOException {
        Path app = fijiFolder();
        return new ModelSearch().find(modelFolder().orElse(null), app == null ? null : app.resolve("models"));
    }

    /**
     * The LoRA library of {@link #loraFolder()} (scanned on first use); the loaded pipeline applies LoRAs from this
     * same object.
     */
    public LoraLibrary loraLibrary() throws IOException {
        return currentLoraLibrary().ensureScanned();
    }

    /** Scans the LoRA folder again and returns what is there. */
    public List<LoraInfo> refreshLoras() throws IOException {
        LoraLibrary library = loraLibrary();
        if (!Files.isDirectory(library.folder())) {
            throw new IOException("The LoRA folder " + library.folder() + " does not exist: create it and put "
                    + ".safetensors LoRAs in it, or choose another folder.");
        }
        library.rescan();
        List<LoraInfo> entries = library.entries();
        log.info("Jimeng Studio: " + entries.size() + " LoRA(s) in " + library.folder());
        return entries;
    }

    // ---- generating ------------------------------------------------------------------------------------------

    /** Queues {@code request}; it runs after every job submitted before it. */
    public GenerationJob submit(GenerationRequest request) {
        return submit(request, ProgressListener.NONE);
    }

    /** Queues {@code request}, reporting to {@code listener} as well as to the status bar, log and events. */
    public GenerationJob submit(GenerationRequest request, ProgressListener listener) {
        checkLoras(request);
        GenerationJob job = new GenerationJob(jobIds.incrementAndGet(), request, listener);
        queued.put(job, Boolean.TRUE);
        generationThread.execute(() -> run(job));
        return job;
    }

    /** An unknown LoRA is refused before the request is queued, naming the LoRAs there are. */
    private void checkLoras(GenerationRequest request) {
        if (request.loras().isEmpty()) {
            return;
        }
        try {
            LoraLibrary library = loraLibrary();
            request.loras().forEach(l -> library.resolve(l.name()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("The LoRA folder " + loraFolder() + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    /** Generates and waits: {@link #submit} then {@link GenerationJob#await}. */
    public GeneratedImage generate(GenerationRequest request) throws IOException, InterruptedException {
        return submit(request).await();
    }

    /** Stops a running download (what arrived is kept: the next download continues from there). */
    public void cancelDownload() {
        CancellationToken d = download;
        if (d != null) {
            d.cancel();
        }
    }

    /** Cancels the running generation, every queued one and a running download. */
    public void cancelAll() {
        synchronized (queued) {
            queued.keySet().forEach(GenerationJob::cancel);
        }
        cancelDownload();
    }

    private void run(GenerationJob job) {
        Reporter reporter = new Reporter(job);
        try {
            job.token().throwIfCancelled("before it started");
            ZImagePipeline p = pipeline(job.request(), reporter, job.token());
            GeneratedImage image = p.generate(job.request(), reporter, job.token());
            job.result().complete(image);
        } catch (GenerationCancelledException e) {
            if (!reporter.ended) {
                reporter.cancelled(e.getMessage());
            }
            job.result().completeExceptionally(e);
        } catch (Throwable e) {
            if (!reporter.ended) {
                reporter.failed(e);
            }
            job.result().completeExceptionally(e);
        } finally {
            queued.remove(job);
        }
    }

    /**
     * The pipeline, loaded on first use for that request's memory mode and precision, so its networks are loaded
     * once, where and how it computes. A later request that needs another mode or precision does not reload the
     * model: the pipeline reloads only the networks concerned, once, and says so (a warning in the log). Runs on the
     * generation thread only.
     */
    private ZImagePipeline pipeline(GenerationRequest request, ProgressListener listener, CancellationToken cancel)
            throws IOException {
        if (pipeline == null) {
            ModelLocation location = locateModel();
            PipelineOptions options = PipelineOptions.defaults().withSettingsOf(request);
            log.info("Jimeng Studio: loading for memory mode " + options.memoryMode() + ", precision "
                    + options.precision() + ": " + location.describe());
            pipeline = ZImagePipeline.load(location, options, queuedLoraLibrary, listener, cancel);
            log.info("Jimeng Studio: model loaded on " + pipeline.deviceDescription());
        }
        return pipeline;
    }

    /** The loaded pipeline, or null (for tests; the model status reads {@link #isModelLoaded}). */
    ZImagePipeline loadedPipeline() {
        return pipeline;
    }

    private void closePipeline() {
        if (pipeline == null) {
            return;
        }
        try {
            pipeline.close();
        } catch (IOException e) {
            log.warn("Jimeng Studio: unloading the model: " + e.getMessage());
        }
        pipeline = null;
    }

    /** True when {@code error} ended a generation and was logged then. */
    boolean wasReported(Throwable error) {
        return reported.containsKey(error);
    }

    /** True when the model is loaded (the next generation starts at once). */
    public boolean isModelLoaded() {
        return pipeline != null;
    }

    /** Frees the model after the queued generations; the next generation loads it again. */
    public void unload() throws InterruptedException {
        onGenerationThread(() -> {
            boolean was = pipeline != null;
            closePipeline();
            if (was) {
                log.info("Jimeng Studio: model unloaded");
            }
            return was;
        });
        status.showStatus("Jimeng Studio: model unloaded");
    }

    private <T> T onGenerationThread(java.util.concurrent.Callable<T> task) throws InterruptedException {
        Future<T> f = generationThread.submit(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** A few lines for the Diagnostics command: version, engine, device, memory, model and LoRA folder. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        sb.append(Version.full()).append('\n');
        int gpus = 0;
        try {
            TorchRuntime runtime = TorchRuntime.get();
            sb.append("Engine: ").append(runtime.report()).append('\n');
            gpus = runtime.gpuCount();
        } catch (RuntimeException | Error e) {
            sb.append("Engine: does not start: ").append(e.getMessage()).append('\n');
        }
        ZImagePipeline loaded = pipeline;
        if (loaded != null) {
            sb.append("Model (loaded): ").append(loaded.location().describe()).append("\nDevice: ")
                    .append(loaded.deviceDescription()).append('\n');
        } else {
            try {
                sb.append("Model (not loaded yet): ").append(locateModel().describe()).append('\n');
            } catch (IOException e) {
                sb.append("Model: ").append(e.getMessage()).append('\n');
            }
        }
        sb.append("Model folder preference: ").append(modelFolder().map(Path::toString)
                .orElse("none (searching Fiji's models/ folder, the Hugging Face caches and ComfyUI folders)"))
                .append('\n');
        sb.append("LoRA folder: ").append(loraFolder());
        try {
            sb.append(" (").append(loraLibrary().entries().size()).append(" LoRAs)");
        } catch (IOException e) {
            sb.append(" (").append(e.getMessage()).append(')');
        }
        sb.append('\n');
        Runtime rt = Runtime.getRuntime();
        sb.append(String.format(Locale.ROOT, "Memory: Java heap %d MB used of %d MB max; process resident %d MB%n",
                (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20, NativeMemory.residentBytes() >> 20));
        try {
            long free = NativeMemory.availableBytes();
            sb.append(free < 0 ? "Free memory: not checked (not Linux, or jimeng.memoryChecks=false)\n"
                    : String.format(Locale.ROOT, "Free memory: %d MB, of which %d MB is kept in reserve by the"
                            + " checks%n", free >> 20, NativeMemory.reserveBytes() >> 20));
        } catch (IllegalArgumentException e) {
            sb.append("Free memory: ").append(e.getMessage()).append('\n');
        }
        sb.append("The real Z-Image-Turbo on this machine (estimates, README › Hardware):\n");
        RealModelFit.verdicts(NativeMemory.physicalBytes(), gpus, freeDisk(ModelDownloader.defaultTarget()))
                .forEach(line -> sb.append("  ").append(line).append('\n'));
        return sb.toString();
    }

    /** Free disk where {@code folder} is or would be made, or -1. */
    private static long freeDisk(Path folder) {
        try {
            return FreeSpace.fileSystem().usableBytes(folder);
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- downloading -----------------------------------------------------------------------------------------

    /**
     * Downloads the model into a Hugging Face cache folder ({@code null}: the user's hub cache, which is searched
     * anyway) on the calling thread, with progress in the status bar; {@link #cancelAll()} stops it. A folder of the
     * user's own becomes the model folder.
     */
    public DownloadResult downloadModel(String repo, String revision, Path hubCache) throws ModelDownloadException {
        return downloadModel(repo, revision, hubCache, null);
    }

    /** As {@link #downloadModel(String, String, Path)}, reporting to {@code listener} too (the panel's progress). */
    public DownloadResult downloadModel(String repo, String revision, Path hubCache, DownloadListener listener)
            throws ModelDownloadException {
        CancellationToken token = new CancellationToken();
        download = token;
        Path target = hubCache != null ? hubCache : ModelDownloader.defaultTarget();
        log.info("Jimeng Studio: downloading " + repo + " (" + revision + ") into " + target);
        try {
            DownloadResult result = new ModelDownloader().download(repo, revision, target, new DownloadListener() {
                @Override
                public void progress(DownloadProgress p) {
                    if (listener != null) {
                        listener.progress(p);
                    }
                    status.showProgress((int) Math.round(p.fraction() * 1000), 1000);
                    status.showStatus("Jimeng Studio: downloading " + p.describe());
                }
            }, token);
            log.info("Jimeng Studio: " + result.describe());
            status.showStatus("Jimeng Studio: download complete");
            if (hubCache != null) {
                setModelFolder(result.snapshot());
            }
            return result;
        } finally {
            download = null;
            status.clearStatus();
        }
    }

    // ---- images ----------------------------------------------------------------------------------------------

    /**
     * A new RGB image of {@code image}, titled from the prompt, carrying its provenance as properties
     * ({@code jimeng.*}) and Info text, flagged AI-generated.
     */
    public ImagePlus toImagePlus(GeneratedImage image) {
        int[] pixels = new int[image.width() * image.height()];
        byte[] rgb = image.rgb();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 0xFF000000 | (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF);
        }
        GenerationRecord record = image.record();
        ImagePlus imp = new ImagePlus(title(record.request()), new ColorProcessor(image.width(), image.height(),
                pixels));
        applyProvenance(imp, record);
        return imp;
    }

    private void applyProvenance(ImagePlus imp, GenerationRecord record) {
        ProvenanceCodec.properties(record).forEach(imp::setProp);
        imp.setProperty("Info", ProvenanceCodec.info(record));
        records.put(imp, record);
    }

    /** "a red fox in the snow, watercolor (seed 42)": the prompt's start, one line, at most 60 characters. */
    static String title(GenerationRequest request) {
        String p = request.prompt().strip().replaceAll("\\s+", " ");
        if (p.length() > 60) {
            p = p.substring(0, 59).strip() + "…";
        }
        return (p.isEmpty() ? "Jimeng Studio" : p) + " (seed " + request.seedString() + ")";
    }

    /**
     * How {@code imp} was made: remembered for images made here, else read from its properties or Info (a reopened
     * TIFF) or from the PNG it was opened from.
     */
    public Optional<GenerationRecord> recordOf(ImagePlus imp) throws IOException {
        GenerationRecord r = records.get(imp);
        if (r != null) {
            return Optional.of(r);
        }
        Optional<GenerationRecord> found = ProvenanceCodec.recordFromProperties(imp::getProp);
        if (found.isEmpty()) {
            found = ProvenanceCodec.recordFromInfo(imp.getInfoProperty());
        }
        if (found.isEmpty()) {
            Path png = pngFileOf(imp);
            if (png != null) {
                found = ProvenanceCodec.recordFromPng(PngTextReader.read(png));
            }
        }
        found.ifPresent(rec -> records.put(imp, rec));
        return found;
    }

    /**
     * The request that regenerates {@code imp}.
     *
     * @throws io.github.jimengstudio.provenance.ProvenanceException when the image carries no provenance
     */
    public GenerationRequest requestOf(ImagePlus imp) throws IOException {
        Optional<GenerationRecord> r = recordOf(imp);
        if (r.isPresent()) {
            return r.get().request();
        }
        Path png = pngFileOf(imp);
        if (png != null) {
            return ProvenanceCodec.requestFromPng(png);
        }
        return ProvenanceCodec.requestFromProperties(imp::getProp);
    }

    private static Path pngFileOf(ImagePlus imp) {
        FileInfo fi = imp.getOriginalFileInfo();
        if (fi == null || fi.fileName == null || fi.directory == null
                || !fi.fileName.toLowerCase(Locale.ROOT).endsWith(".png")) {
            return null;
        }
        Path p = Path.of(fi.directory, fi.fileName);
        return Files.isRegularFile(p) ? p : null;
    }

    /**
     * Saves {@code imp} with its provenance: {@code .png} through our writer (A1111 parameters, JSON record, XMP),
     * {@code .tif}/{@code .tiff} through ImageJ (Info and properties).
     */
    public void save(ImagePlus imp, Path file) throws IOException {
        GenerationRecord record = recordOf(imp).orElseThrow(() -> new io.github.jimengstudio.provenance
                .ProvenanceException("'" + imp.getTitle() + "' has no Jimeng Studio provenance to save; use "
                        + "File › Save As for other images."));
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            ColorProcessor cp = imp.getProcessor().convertToColorProcessor();
            int[] pixels = (int[]) cp.getPixels();
            byte[] rgb = new byte[pixels.length * 3];
            for (int i = 0; i < pixels.length; i++) {
                rgb[3 * i] = (byte) (pixels[i] >> 16);
                rgb[3 * i + 1] = (byte) (pixels[i] >> 8);
                rgb[3 * i + 2] = (byte) pixels[i];
            }
            PngWriter.write(cp.getWidth(), cp.getHeight(), rgb, file, ProvenanceCodec.pngTexts(record,
                    resourceHashes(record)));
        } else if (name.endsWith(".tif") || name.endsWith(".tiff")) {
            applyProvenance(imp, record);
            Path abs = file.toAbsolutePath();
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            if (!new FileSaver(imp).saveAsTiff(abs.toString())) {
                throw new IOException("ImageJ could not write " + abs);
            }
        } else {
            throw new IllegalArgumentException("Save as .png or .tif to keep the provenance (got " + file
                    .getFileName() + ").");
        }
        log.info("Jimeng Studio: saved " + file + " with its provenance");
    }

    /**
     * The A1111 {@code Model hash} and {@code Lora hashes} of {@code record} (what Civitai and other readers link
     * resources by), as the command line writes them: the model hashed when the one that made the image is at hand
     * (loaded, or found where it is looked for), each LoRA from the LoRA folder. What cannot be hashed is left out,
     * with a note in the log.
     */
    private ResourceHashes resourceHashes(GenerationRecord record) {
        ZImagePipeline loaded = pipeline;
        ModelLocation model = loaded != null ? loaded.location() : null;
        try {
            if (model == null || !model.identity().equals(record.modelIdentity())) {
                model = locateModel();
            }
        } catch (IOException e) {
            model = null; // not at hand: no model hash
        }
        if (model != null && !model.identity().equals(record.modelIdentity())) {
            model = null; // another model than the one that made the image
        }
        try {
            FileHashes cache = new FileHashes(TorchRuntime.cacheRoot().resolve(FileHashes.CACHE_FILE_NAME));
            return new ResourceHashing(cache, model, loraLibrary(), m -> log.info("Jimeng Studio: " + m))
                    .of(record.request());
        } catch (IOException | RuntimeException e) {
            log.info("Jimeng Studio: no model or LoRA hashes in the PNG: " + ErrorReport.messageOf(e));
            return ResourceHashes.NONE;
        }
    }

    // ---- progress ---------------------------------------------------------------------------------------------

    /** Forwards one job's progress to its own listener, the status bar, the log and the event bus. */
    private final class Reporter implements ProgressListener {
        private final GenerationJob job;
        private boolean ended;

        Reporter(GenerationJob job) {
            this.job = job;
        }

        private void publish(Kind kind, Stage stage, int step, int steps, PreviewImage preview,
                GeneratedImage image, String message) {
            events.publish(new GenerationEvent(job, kind, stage, step, steps, preview, image, message));
        }

        @Override
        public void stage(Stage stage) {
            job.listener().stage(stage);
            String m = "Jimeng Studio: " + stage.label() + "…";
            status.showStatus(m);
            log.debug(m);
            publish(Kind.STAGE, stage, 0, 0, null, null, m);
        }

        @Override
        public void step(int step, int steps, Duration elapsed, Duration eta) {
            job.listener().step(step, steps, elapsed, eta);
            String m = String.format(Locale.ROOT, "Jimeng Studio: step %d/%d, %.1f s left", step, steps,
                    eta.toMillis() / 1000.0);
            status.showStatus(step, steps, m);
            publish(Kind.STEP, Stage.DENOISING, step, steps, null, null, m);
        }

        @Override
        public void preview(PreviewImage preview) {
            job.listener().preview(preview);
            publish(Kind.PREVIEW, Stage.DENOISING, preview.step(), preview.steps(), preview, null, null);
        }

        @Override
        public void warning(String message) {
            job.listener().warning(message);
            log.warn("Jimeng Studio: " + message);
            publish(Kind.WARNING, null, 0, 0, null, null, message);
        }

        @Override
        public void finished(GeneratedImage image) {
            ended = true;
            job.listener().finished(image);
            String m = String.format(Locale.ROOT, "Jimeng Studio: done in %.2f s (seed %s)",
                    image.record().timings().totalMillis() / 1000, image.record().request().seedString());
            status.showStatus(m);
            log.info(m);
            publish(Kind.FINISHED, null, 0, 0, null, image, m);
        }

        @Override
        public void cancelled(String message) {
            ended = true;
            job.listener().cancelled(message);
            status.showStatus("Jimeng Studio: " + message);
            log.info("Jimeng Studio: " + message);
            publish(Kind.CANCELLED, null, 0, 0, null, null, message);
        }

        @Override
        public void failed(Throwable error) {
            ended = true;
            job.listener().failed(error);
            String m = ErrorReport.messageOf(error);
            status.warn("Jimeng Studio: " + m);
            log.error("Jimeng Studio: " + m);
            reported.put(error, Boolean.TRUE);
            if (error.getCause() != null) {
                reported.put(error.getCause(), Boolean.TRUE); // GenerationJob.await unwraps an UncheckedIOException
            }
            publish(Kind.FAILED, null, 0, 0, null, null, m);
        }
    }
}
