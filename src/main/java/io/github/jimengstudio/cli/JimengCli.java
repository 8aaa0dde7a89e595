package io.github.jimengstudio.cli;

import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.pipeline.ModelSearch;
import io.github.jimengstudio.pipeline.ResourceHashing;
import io.github.jimengstudio.pipeline.ModelNotFoundException;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.Version;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.pipeline.download.FreeSpace;
import io.github.jimengstudio.provenance.FileHashes;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.PngWriter;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command line ({@code scripts/jimeng}): {@code generate} writes one image as a PNG carrying its provenance (the
 * same text chunks as Fiji's Save: A1111 {@code parameters}, the JSON record, the XMP marking it AI-generated), from
 * which {@code generate --from} makes it again; {@code selftest} checks this machine's native engine on a tiny random
 * model. Exit status: 0 done, 1 failed, 2 wrong usage, 130 cancelled.
 */
public final class JimengCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int CANCELLED = 130;

    static final String USAGE_TEXT = String.join("\n",
            "Usage: jimeng <command> [options]",
            "",
            "Commands:",
            "  generate --prompt \"...\" [options]   generate an image and write it as a PNG with its settings",
            "  generate --from IMAGE.png [options]  make an image again from the settings recorded in its PNG",
            "  loras [--lora-dir DIR]               list the LoRA folder: format, rank, targets, trigger words,",
            "                                       and the files that are refused, with why",
            "  download [--dir DIR] [--revision R]  download Z-Image-Turbo (about 33 GB; resumable, Ctrl+C to stop)",
            "  selftest [--device auto|cpu|gpu]     run the whole pipeline on a tiny random model",
            "  --version                            print the version",
            "",
            "'jimeng generate --help' lists generate's options. Example:",
            "  jimeng generate --prompt \"a red fox in the snow, watercolor\" --seed 42 --size 1024x768 --out fox.png");

    static final List<String> COMMANDS = List.of("generate", "loras", "download", "selftest", "--version",
            "--help");

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Path home;
    /** The folder default output names are relative to: the current folder, except in tests. */
    private final Path workDir;

    JimengCli(PrintStream out, PrintStream err, Map<String, String> env, Path home) {
        this(out, err, env, home, Path.of(""));
    }

    JimengCli(PrintStream out, PrintStream err, Map<String, String> env, Path home, Path workDir) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.home = home;
        this.workDir = workDir;
    }

    public static void main(String[] args) {
        JimengCli cli = new JimengCli(System.out, System.err, System.getenv(),
                Path.of(System.getProperty("user.home")));
        System.exit(cli.run(args));
    }

    int run(String... argv) {
        List<String> args = Arrays.asList(argv);
        if (args.isEmpty()) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        boolean help = rest.contains("--help") || rest.contains("-h");
        try {
            switch (command) {
                case "generate":
                    if (help) {
                        out.println(GenerateOptions.USAGE);
                        return OK;
                    }
                    return generate(GenerateOptions.parse(rest));
                case "loras":
                    if (help) {
                        out.println(LorasCommand.USAGE);
                        return OK;
                    }
                    return new LorasCommand(out, err).run(LorasCommand.parse(rest));
                case "download":
                    if (help) {
                        out.println(DownloadCommand.USAGE);
                        return OK;
                    }
                    return download(DownloadCommand.parse(rest));
                case "selftest":
                    if (help) {
                        out.println(SelfTest.USAGE);
                        return OK;
                    }
                    return new SelfTest(out, err).run(SelfTest.parse(rest));
                case "--version":
                case "version":
                    out.println(Version.full());
                    return OK;
                case "--help":
                case "-h":
                case "help":
                    out.println(USAGE_TEXT);
                    return OK;
                default:
                    throw new UsageException("unknown command '" + command + "'" + Suggestion.hint(command, COMMANDS)
                            + "; use generate, loras, download or selftest.");
            }
        } catch (UsageException e) {
            err.println("jimeng: " + e.getMessage());
            return USAGE;
        } catch (Throwable e) { // reading --from, or anything a generation let through: a message, never a trace
            return failed(e);
        }
    }

    /**
     * Reports anything that ended a run unexpectedly, Errors included: a message and exit 1, the trace only with
     * JIMENG_DEBUG. An OutOfMemoryError or StackOverflowError has unwound by the time it is caught here, so the
     * JVM can still print it.
     */
    int failed(Throwable e) {
        String what;
        if (e instanceof OutOfMemoryError) {
            what = "ran out of Java memory (" + e.getMessage() + "); give Java more with JIMENG_JAVA_OPTS=-Xmx..., or"
                    + " try a smaller --size";
        } else if (e instanceof StackOverflowError) {
            what = "internal error: the stack overflowed; please report it (JIMENG_DEBUG=1 shows where)";
        } else if (e.getMessage() != null && !(e instanceof Error)) {
            what = e.getMessage();
        } else {
            what = "internal error: " + e + "; please report it (JIMENG_DEBUG=1 shows where)";
        }
        err.println("jimeng: " + what);
        if (env.containsKey("JIMENG_DEBUG")) {
            e.printStackTrace(err);
        }
        return FAILED;
    }

    private int generate(GenerateOptions o) throws UsageException {
        GenerationRequest request = o.request().withResolvedSeed(new SecureRandom());
        List<GenerationRequest> batch = o.batchOf(request);
        PipelineOptions options = pipelineOptions(o, request);
        Path wanted = workDir.resolve(o.outFor(request));
        try {
            // before the model loads (minutes with the real one): an image that cannot be written is work lost
            PngWriter.checkDestination(wanted, pngBytes(request) * batch.size(), FreeSpace.fileSystem());
        } catch (IOException e) {
            err.println("jimeng: --out: " + e.getMessage());
            return FAILED;
        }
        LoraLibrary loras = new LoraLibrary(options.loraFolder()); // the pipeline's too: the folder is scanned once
        try {
            checkLorasExist(o, request, loras);
        } catch (IOException e) {
            err.println("jimeng: reading the LoRA folder: " + e.getMessage());
            return FAILED;
        }
        ModelLocation location;
        try {
            location = new ModelSearch(env, home).find(o.model());
        } catch (ModelNotFoundException e) {
            err.println("jimeng: " + e.getMessage());
            return FAILED;
        }
        // --quiet: errors only, so everything else that would go to the terminal goes nowhere
        PrintStream info = o.quiet() ? TerminalProgress.NOWHERE : err;
        TerminalProgress progress = new TerminalProgress(err, System.console() != null);
        CancellationToken cancel = new CancellationToken();
        Interruption interruption = new Interruption(cancel);
        Thread onInterrupt = onCtrlC(interruption);
        int status = FAILED;
        int written = 0;
        try {
            if (o.from() != null) {
                info.println("Settings from " + o.from());
                if (o.fromModel() != null && !o.fromModel().equals(location.identity())) {
                    info.println("Note: " + o.from().getFileName() + " was made with the model " + o.fromModel()
                            + "; this is " + location.identity() + ". The same settings give the same pixels only "
                            + "with the same weights.");
                }
                if (!o.fromNotApplied().isEmpty()) {
                    info.println("Note: " + o.from().getFileName() + " comes from another tool; these of its settings"
                            + " are not applied (Z-Image-Turbo samples with its own flow-match Euler, VAE and size, in"
                            + " one pass):");
                    o.fromNotApplied().forEach(s -> info.println("  " + s));
                }
            }
            if (request.guidance() == 0 && !request.negativePrompt().isEmpty()) {
                info.println("Note: the negative prompt is not used at guidance 0 (the Turbo recipe); give "
                        + "--guidance G > 0 to use it. It is still recorded.");
            }
            info.println("Model: " + location.root() + " (" + location.kind().label() + ")");
            info.println("Seed " + request.seedString() + (batch.size() > 1 ? " to " + batch.get(batch.size() - 1)
                    .seedString() + " (" + batch.size() + " images)" : "") + ", " + request.steps() + " steps, "
                    + request.width() + "x" + request.height() + " (width x height), guidance " + request.guidance());
            ProgressListener listener = o.quiet() ? ProgressListener.NONE : progress;
            ResourceHashing hashing = new ResourceHashing(new FileHashes(TorchRuntime.cacheRoot(env, home)
                    .resolve(FileHashes.CACHE_FILE_NAME)),
                    location, loras, info::println);
            try (ZImagePipeline pipeline = ZImagePipeline.load(location, options, loras, listener, cancel)) {
                info.println("Device: " + pipeline.deviceDescription());
                if (request.memoryMode() == MemoryMode.GPU && !pipeline.hasGpu()) {
                    info.println("Note: --memory-mode gpu, but there is no usable GPU (" + o.device().name()
                            .toLowerCase(Locale.ROOT) + "): everything runs on the CPU.");
                }
                for (GenerationRequest r : batch) {
                    if (batch.size() > 1) {
                        info.println("Image " + (written + 1) + " of " + batch.size() + ", seed " + r.seedString());
                    }
                    GeneratedImage image = pipeline.generate(r, listener, cancel);
                    List<PngText> texts = ProvenanceCodec.pngTexts(image.record(), hashing.of(r));
                    Path target = o.out() != null ? write(image, texts, wanted, false)
                            : write(image, texts, workDir.resolve(o.outFor(r)), true);
                    written++;
                    if (!o.quiet()) {
                        out.println("Wrote " + target.toAbsolutePath() + " (" + image.width() + "x" + image.height()
                                + ", seed " + r.seedString() + ")");
                    }
                    info.println(timingLine(image.record().timings()));
                }
            }
            status = OK;
            return OK;
        } catch (GenerationCancelledException e) {
            err.println("jimeng: " + e.getMessage() + (batch.size() > 1 ? " (" + written + " of " + batch.size()
                    + " images written)" : ""));
            status = CANCELLED;
            return CANCELLED;
        } catch (Throwable e) { // OutOfMemoryError and StackOverflowError too: a message and exit 1, not a trace
            return failed(e);
        } finally {
            interruption.finished(status);
            removeHook(onInterrupt);
        }
    }

    /**
     * Ctrl+C during a run: cancel, and let the current step (or file chunk) finish and free what it holds before the
     * JVM goes; a run that still ends as done (an image already being written) exits 0, not cancelled.
     */
    private Thread onCtrlC(Interruption interruption) {
        Thread onInterrupt = new Thread(() -> {
            if (interruption.interrupted(10, TimeUnit.SECONDS) == OK) {
                out.flush();
                err.flush();
                Runtime.getRuntime().halt(OK); // the signal's own status would be 130
            }
        }, "jimeng-cancel");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        return onInterrupt;
    }

    private static void removeHook(Thread onInterrupt) {
        try {
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl+C): the hook is running
        }
    }

    /** {@code jimeng download}, cancelled by Ctrl+C (what arrived stays; the next run continues from it). */
    private int download(DownloadCommand.Options o) {
        CancellationToken cancel = new CancellationToken();
        Interruption interruption = new Interruption(cancel);
        Thread onInterrupt = onCtrlC(interruption);
        int status = FAILED;
        try {
            status = new DownloadCommand(out, err, env, home, System.console() != null).run(o, cancel);
            return status;
        } finally {
            interruption.finished(status);
            removeHook(onInterrupt);
        }
    }

    /**
     * Writes the PNG with its provenance to {@code wanted} (replacing it: an explicit {@code --out}) or, for a
     * default name, to the first free name {@link OutputName#claim} finds; returns the file written.
     */
    private static Path write(GeneratedImage image, List<PngText> texts, Path wanted, boolean fresh)
            throws IOException {
        Path target = fresh ? OutputName.claim(wanted) : wanted;
        try {
            PngWriter.write(image, target, texts);
        } catch (IOException | RuntimeException e) {
            if (fresh) {
                Files.deleteIfExists(target); // the claimed name, still empty
            }
            throw e;
        }
        return target;
    }

    /**
     * The most bytes the PNG of {@code request} can take: pixels stored uncompressed, and its text chunks (the
     * prompts appear in the A1111 text, the JSON record and the XMP, escaped at worst to a few bytes a character).
     */
    static long pngBytes(GenerationRequest request) {
        long promptBytes = 3L * 6 * (request.prompt().length() + request.negativePrompt().length());
        return PngWriter.maxBytes(request.width(), request.height(), List.of()) + promptBytes + (64 << 10);
    }

    /**
     * The pipeline for this image: loaded for the request's memory mode and precision, so the networks are loaded
     * once, where and how the image needs them (the default mode would first put the whole transformer on a small GPU
     * before LOW_VRAM; the default precision would load float32 and then everything again for {@code --precision
     * bfloat16}).
     */
    static PipelineOptions pipelineOptions(GenerateOptions o, GenerationRequest request) {
        return PipelineOptions.defaults().withDevice(o.device()).withSettingsOf(request)
                .withLoraFolder(o.loraDir() != null ? o.loraDir() : defaultLoraFolder());
    }

    /**
     * Refuses a LoRA that is not in the LoRA folder before the model is searched for and loaded (minutes for the real
     * one), saying which folder was looked in and how to name another. With {@code --from} the LoRAs come from the
     * image, which records their names but not the folder they were in.
     */
    static void checkLorasExist(GenerateOptions o, GenerationRequest request, LoraLibrary library)
            throws UsageException, IOException {
        for (LoraUse l : request.loras()) {
            try {
                library.ensureScanned().resolve(l.name());
            } catch (IllegalArgumentException e) {
                String whole = colonName(l, library);
                if (whole != null) {
                    throw new UsageException("No LoRA named '" + l.name() + "', but there is one named '" + whole
                            + "': what follows the last ':' is read as the strength, so give it with one, e.g."
                            + " --lora '" + whole + ":1.0'.");
                }
                throw new UsageException(e.getMessage() + " Give the folder that holds it with --lora-dir DIR"
                        + (o.from() != null ? " (" + o.from().getFileName() + " records the LoRAs' names, not their "
                                + "folder), or other LoRAs with --lora NAME:STRENGTH." : "."));
            }
        }
    }

    /**
     * The LoRA the user probably meant when {@code NAME:STRENGTH} split a file name that itself contains a colon
     * ({@code --lora style:v2} for {@code style:v2.safetensors}), or null when the folder has no such file.
     */
    private static String colonName(LoraUse l, LoraLibrary library) {
        double s = l.strength();
        List<String> tails = s == Math.rint(s) ? List.of(Long.toString((long) s), Double.toString(s))
                : List.of(Double.toString(s));
        for (String tail : tails) {
            try {
                library.resolve(l.name() + ":" + tail);
                return l.name() + ":" + tail;
            } catch (IllegalArgumentException e) {
                // not this spelling either
            }
        }
        return null;
    }

    /** {@code lora/} in the project folder the launcher names ({@code jimeng.home}), else in the current folder. */
    static Path defaultLoraFolder() {
        String home = System.getProperty("jimeng.home");
        return (home != null ? Path.of(home) : Path.of("")).resolve(LoraLibrary.DEFAULT_FOLDER_NAME).toAbsolutePath();
    }

    static String timingLine(GenerationTimings t) {
        StringBuilder sb = new StringBuilder("Time:");
        for (Stage s : Stage.values()) {
            if (t.stageMillis().containsKey(s)) {
                sb.append(String.format(Locale.ROOT, " %s %.2f s,", s.key(), t.millis(s) / 1000));
            }
        }
        int n = t.stepMillis().size();
        if (n > 0) {
            double mean = t.stepMillis().stream().mapToDouble(Double::doubleValue).sum() / n;
            sb.append(String.format(Locale.ROOT, " %.2f s/step,", mean / 1000));
        }
        if (t.firstPreviewMillis() >= 0) {
            sb.append(String.format(Locale.ROOT, " first preview %.2f s,", t.firstPreviewMillis() / 1000));
        }
        return sb.append(String.format(Locale.ROOT, " total %.2f s", t.totalMillis() / 1000)).toString();
    }
}
