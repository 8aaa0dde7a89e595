package io.github.jimengstudio.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.Opener;
import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.prefs.PrefService;

/**
 * The Fiji layer on the golden tiny model (golden/e2e-tiny), headless, in a SciJava context holding only the
 * services it needs: the service and the commands generate case a (and d, with the LoRA) to the reference pixels,
 * provenance survives TIFF and PNG saving, and Regenerate gives back the same pixels.
 */
class JimengServiceTest {
    private static final String FOX = "a red fox in the snow, watercolor";

    private static Context context;
    private static JimengService jimeng;
    private static CommandService commands;

    @TempDir
    Path dir;

    /** The service's preferences live in the user's real store: saved before the tests and put back after. */
    private static final String[] SERVICE_PREFS = {"modelFolder", "loraFolder"};
    private static final Map<String, String> userPrefs = new HashMap<>();

    @BeforeAll
    static void start() throws IOException {
        System.setProperty("java.awt.headless", "true");
        context = new Context(JimengService.class, CommandService.class, EventService.class);
        jimeng = context.service(JimengService.class);
        commands = context.service(CommandService.class);
        PrefService prefs = context.service(PrefService.class);
        for (String key : SERVICE_PREFS) {
            userPrefs.put(key, prefs.get(JimengService.class, key));
        }
        jimeng.setLoraFolder(Golden.file("lora-tiny"));
    }

    @AfterAll
    static void stop() {
        PrefService prefs = context.service(PrefService.class);
        for (String key : SERVICE_PREFS) { // leave the user's preferences as they were, not merely unset
            if (userPrefs.get(key) == null) {
                prefs.remove(JimengService.class, key);
            } else {
                prefs.put(JimengService.class, key, userPrefs.get(key));
            }
        }
        context.dispose();
    }

    @BeforeEach
    void useTheTinyModel() {
        jimeng.setModelFolder(Golden.file("e2e-tiny/model"));
    }

    private static GenerationRequest caseA() {
        return GenerationRequest.builder(FOX).size(256, 256).steps(4).seed(42).build();
    }

    private static GeneratedImage caseAImage;

    /** Case a through the service, made once (the machine may be shared; the tests stay lean). */
    private static synchronized GeneratedImage caseAImage() throws IOException, InterruptedException {
        if (caseAImage == null) {
            caseAImage = jimeng.generate(caseA());
        }
        return caseAImage;
    }

    private static GenerationRequest small(long seed) {
        return GenerationRequest.builder("fox").size(64, 64).steps(1).seed(seed).build();
    }

    /**
     * Every Generate Image option as the text a macro passes, with {@code keyValues} overriding; all are given
     * because SciJava fills missing ones from the values it remembered last time. A null value is what ImageJ's
     * macro layer hands the command for a key the macro's options lack.
     */
    private static Map<String, Object> macroInputs(String... keyValues) {
        Map<String, Object> m = new HashMap<>(Map.of("prompt", FOX, "negative_prompt", "", "width", "256",
                "height", "256", "steps", "4", "guidance", "0", "seed", "42", "lora", "", "lora_strength", "1.0"));
        m.put("memory_mode", "Balanced");
        m.put("precision", "auto");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static CommandModule run(Class<? extends org.scijava.command.Command> command, Map<String, Object> in)
            throws Exception {
        return commands.run(command, true, in).get();
    }

    /** README-e2e §5: every pixel's three channels within ±1 on at least 99.5 % of the pixels. */
    private static void assertMatchesReference(String png, ImagePlus imp) throws IOException {
        BufferedImage expected = ImageIO.read(Golden.file("e2e-tiny/expected/" + png).toFile());
        assertEquals(expected.getWidth(), imp.getWidth(), "width");
        assertEquals(expected.getHeight(), imp.getHeight(), "height");
        int[] actual = (int[]) imp.getProcessor().getPixels();
        int close = 0;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int e = expected.getRGB(x, y);
                int a = actual[y * imp.getWidth() + x];
                boolean ok = true;
                for (int shift = 0; shift <= 16; shift += 8) {
                    ok &= Math.abs((e >> shift & 0xFF) - (a >> shift & 0xFF)) <= 1;
                }
                close += ok ? 1 : 0;
            }
        }
        assertTrue(close >= 0.995 * actual.length, png + ": only " + close + " of " + actual.length
                + " pixels within ±1");
    }

    private static int[] pixels(ImagePlus imp) {
        return (int[]) imp.getProcessor().getPixels();
    }

    @Test
    void theServiceGeneratesCaseAWithItsProvenance() throws Exception {
        List<GenerationEvent.Kind> kinds = Collections.synchronizedList(new ArrayList<>());
        Object subscriber = new Object() {
            @EventHandler
            void on(GenerationEvent e) {
                kinds.add(e.kind());
            }
        };
        List<org.scijava.event.EventSubscriber<?>> subscriptions = context.service(EventService.class)
                .subscribe(subscriber);
        jimeng.generate(small(11));
        context.service(EventService.class).unsubscribe(subscriptions);
        assertTrue(kinds.contains(GenerationEvent.Kind.STEP), "step events: " + kinds);
        assertEquals(GenerationEvent.Kind.FINISHED, kinds.get(kinds.size() - 1), "events: " + kinds);

        ImagePlus imp = jimeng.toImagePlus(caseAImage());

        assertMatchesReference("case_a_p1_seed42_256x256_n4.png", imp);
        assertEquals(ImagePlus.COLOR_RGB, imp.getType());
        assertEquals(FOX + " (seed 42)", imp.getTitle());
        assertEquals(FOX, imp.getProp("jimeng.prompt"));
        assertEquals("42", imp.getProp("jimeng.seed"));
        assertEquals("4", imp.getProp("jimeng.steps"));
        assertEquals("256", imp.getProp("jimeng.width"));
        assertEquals(ProvenanceCodec.DIGITAL_SOURCE_TYPE, imp.getProp("jimeng.digital_source_type"));
        assertTrue(imp.getInfoProperty().startsWith("AI-generated image"), imp.getInfoProperty());
        assertEquals(caseA(), jimeng.recordOf(imp).orElseThrow().request());
    }

    @Test
    void theGenerateCommandTakesMacroStyleOptions() throws Exception {
        CommandModule m = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "negative_prompt", "",
                "width", "256", "height", "256", "steps", "4", "guidance", "0", "seed", "42", "lora", "",
                "lora_strength", "1.0"));
        assertFalse(m.isCanceled(), m.getCancelReason());
        ImagePlus imp = (ImagePlus) m.getOutput("image");
        assertMatchesReference("case_a_p1_seed42_256x256_n4.png", imp);
        assertEquals("42", imp.getProp("jimeng.seed"));

        CommandModule withLora = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "width", "256",
                "height", "256", "steps", "4", "guidance", "0", "seed", "42", "lora", "peft", "lora_strength", "0.8"));
        assertFalse(withLora.isCanceled(), withLora.getCancelReason());
        ImagePlus lora = (ImagePlus) withLora.getOutput("image");
        assertMatchesReference("case_d_p1_seed42_256x256_n4_lora0p8.png", lora);
        assertEquals("peft:0.8", lora.getProp("jimeng.loras"));
    }

    /**
     * The memory mode and precision chosen in the dialog or a macro are the request's, and recorded; a macro
     * recorded before these options existed (no memory_mode, no precision) asks for BALANCED in AUTO, as it did.
     */
    @Test
    void theGenerateCommandAsksForTheChosenMemoryModeAndPrecisionAndAnOldMacroForTheDefaults() throws Exception {
        CommandModule chosen = run(GenerateImageCommand.class, macroInputs("prompt", "fox", "width", "64",
                "height", "64", "steps", "1", "seed", "5", "memory_mode", "CPU", "precision", "bfloat16"));
        assertFalse(chosen.isCanceled(), chosen.getCancelReason());
        ImagePlus bf16 = (ImagePlus) chosen.getOutput("image");
        GenerationRecord made = jimeng.recordOf(bf16).orElseThrow();
        assertEquals(small(5).toBuilder().memoryMode(MemoryMode.CPU).precision(Precision.BFLOAT16).build(),
                made.request());
        assertEquals("bfloat16", made.precision(), "computed in bfloat16");
        assertEquals("bfloat16", bf16.getProp("jimeng.precision"));
        assertEquals("CPU", bf16.getProp("jimeng.memory_mode"));

        CommandModule old = run(GenerateImageCommand.class, macroInputs("prompt", "fox", "width", "64",
                "height", "64", "steps", "1", "seed", "5", "memory_mode", null, "precision", null));
        assertFalse(old.isCanceled(), old.getCancelReason());
        ImagePlus f32 = (ImagePlus) old.getOutput("image");
        GenerationRecord before = jimeng.recordOf(f32).orElseThrow();
        assertEquals(small(5), before.request(), "BALANCED in AUTO, as before the options existed");
        assertEquals(MemoryMode.BALANCED, before.request().memoryMode());
        assertEquals(Precision.AUTO, before.request().precision());
        assertEquals("float32", before.precision(), "AUTO on a CPU");
        assertFalse(java.util.Arrays.equals(pixels(bf16), pixels(f32)),
                "the same seed gives other pixels in another precision");
    }

    /** The record says the image was computed in bfloat16, and Regenerate, from a reopened TIFF, asks for it. */
    @Test
    void aRegenerateOfAnImageMadeInBfloat16ComputesInBfloat16AndGivesTheSamePixels() throws Exception {
        ImagePlus original = (ImagePlus) run(GenerateImageCommand.class, macroInputs("prompt", "fox", "width",
                "64", "height", "64", "steps", "1", "seed", "6", "precision", "bfloat16")).getOutput("image");
        Path tif = dir.resolve("bf16.tif");
        jimeng.save(original, tif);
        ImagePlus reopened = new Opener().openImage(tif.toString());
        jimeng.generate(small(6)); // the model is now in float32: the regenerate must ask for bfloat16 again

        CommandModule m = run(RegenerateCommand.class, Map.of("image", reopened, "new_seed", false));
        assertFalse(m.isCanceled(), m.getCancelReason());
        GenerationRecord again = jimeng.recordOf((ImagePlus) m.getOutput("regenerated")).orElseThrow();
        assertEquals(Precision.BFLOAT16, again.request().precision());
        assertEquals("bfloat16", again.precision());
        assertArrayEquals(pixels(original), pixels((ImagePlus) m.getOutput("regenerated")),
                "regenerated pixels are identical");
    }

    @Test
    void aRandomSeedIsDrawnAndRecorded() throws Exception {
        CommandModule m = run(GenerateImageCommand.class, macroInputs("prompt", "fox", "width", "64", "height", "64",
                "steps", "1", "seed", "-1"));
        ImagePlus imp = (ImagePlus) m.getOutput("image");
        String seed = imp.getProp("jimeng.seed");
        assertNotNull(seed);
        assertEquals(GenerationRequest.parseSeed(seed), jimeng.requestOf(imp).seed());
    }

    @Test
    void aReopenedTiffKeepsItsProvenanceAndRegeneratesTheSamePixels() throws Exception {
        ImagePlus original = jimeng.toImagePlus(caseAImage());
        Path tif = dir.resolve("fox.tif");
        jimeng.save(original, tif);

        ImagePlus reopened = new Opener().openImage(tif.toString());
        assertNotNull(reopened, "ImageJ reopens the TIFF");
        assertEquals(original.getInfoProperty(), reopened.getInfoProperty());
        for (String key : ProvenanceCodec.properties(jimeng.recordOf(original).orElseThrow()).keySet()) {
            assertEquals(original.getProp(key), reopened.getProp(key), key);
        }
        assertArrayEquals(pixels(original), pixels(reopened));

        CommandModule m = run(RegenerateCommand.class, Map.of("image", reopened, "new_seed", false));
        assertFalse(m.isCanceled(), m.getCancelReason());
        ImagePlus again = (ImagePlus) m.getOutput("regenerated");
        assertArrayEquals(pixels(original), pixels(again), "regenerated pixels are identical");

        CommandModule variation = run(RegenerateCommand.class, Map.of("image", reopened, "new_seed", true));
        ImagePlus other = (ImagePlus) variation.getOutput("regenerated");
        assertEquals(FOX, other.getProp("jimeng.prompt"));
        assertFalse(java.util.Arrays.equals(pixels(original), pixels(other)), "a new seed gives another picture");
    }

    @Test
    void aSavedPngKeepsItsProvenanceAndRegeneratesTheSamePixels() throws Exception {
        ImagePlus original = jimeng.toImagePlus(caseAImage());
        Path png = dir.resolve("fox.png");
        run(SaveWithProvenanceCommand.class, Map.of("image", original, "file", png.toFile()));
        assertEquals(caseA(), ProvenanceCodec.requestFromPng(png));
        // as the command line's PNGs: the A1111 Model hash that Civitai and other readers link models by
        String parameters = io.github.jimengstudio.provenance.PngTextReader.read(png).stream()
                .filter(t -> t.keyword().equals("parameters")).findFirst().orElseThrow().text();
        String modelHash = new io.github.jimengstudio.provenance.FileHashes(dir.resolve("hashes.tsv"))
                .modelHash(jimeng.locateModel().transformer().weightFiles());
        assertTrue(parameters.contains("Model hash: " + modelHash), parameters);

        ImagePlus opened = new Opener().openImage(png.toString()); // ImageJ itself reads no PNG text
        assertArrayEquals(pixels(original), pixels(opened));
        GenerationRequest request = jimeng.requestOf(opened);
        assertEquals(caseA(), request);
        GeneratedImage again = jimeng.generate(request);
        assertArrayEquals(pixels(original), pixels(jimeng.toImagePlus(again)), "regenerated pixels are identical");
    }

    @Test
    void queuedRequestsRunOneAtATimeInOrder() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Long> finished = Collections.synchronizedList(new ArrayList<>());
        List<GenerationJob> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AtomicReference<GenerationJob> self = new AtomicReference<>();
            GenerationJob job = jimeng.submit(GenerationRequest.builder("fox " + i).size(64, 64).steps(2).seed(i)
                    .build(), new ProgressListener() {
                        @Override
                        public void stage(Stage stage) {
                            if (stage == Stage.ENCODING) {
                                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                            }
                        }

                        @Override
                        public void finished(GeneratedImage image) {
                            running.decrementAndGet();
                            finished.add(self.get().id());
                        }
                    });
            self.set(job);
            jobs.add(job);
        }
        for (GenerationJob job : jobs) {
            assertNotNull(job.await());
        }
        assertEquals(1, mostAtOnce.get(), "generations never overlap");
        assertEquals(jobs.stream().map(GenerationJob::id).toList(), finished, "in submission order");
    }

    @Test
    void aCancelledJobStopsAndTheNextOneRuns() throws Exception {
        AtomicReference<GenerationJob> first = new AtomicReference<>();
        AtomicInteger stepsSeen = new AtomicInteger();
        first.set(jimeng.submit(small(4).toBuilder().steps(6).build(), new ProgressListener() {
            @Override
            public void step(int step, int steps, Duration elapsed, Duration eta) {
                stepsSeen.incrementAndGet();
                first.get().cancel();
            }
        }));
        GenerationJob queued = jimeng.submit(small(5));
        queued.cancel();
        GenerationJob next = jimeng.submit(small(6));

        assertThrows(GenerationCancelledException.class, first.get()::await);
        assertTrue(stepsSeen.get() < 6, "stopped after " + stepsSeen.get() + " of 6 steps");
        assertThrows(GenerationCancelledException.class, queued::await);
        assertEquals("6", next.await().record().request().seedString());
    }

    @Test
    void setModelFolderChecksTheFolderAndKeepsThePreviousChoiceWhenItHoldsNoModel() throws Exception {
        CommandModule empty = run(SetModelFolderCommand.class, Map.of("folder", dir.toFile()));
        assertTrue(empty.isCanceled());
        assertTrue(empty.getCancelReason().contains(dir.toString()), empty.getCancelReason());
        assertEquals(Golden.file("e2e-tiny/model"), jimeng.modelFolder().orElseThrow());

        CommandModule chosen = run(SetModelFolderCommand.class, Map.of("folder", Golden.file("e2e-tiny/model")
                .toFile()));
        assertFalse(chosen.isCanceled(), chosen.getCancelReason());
        assertTrue(((String) chosen.getOutput("model")).contains("Hugging Face folder"),
                (String) chosen.getOutput("model"));
        assertEquals(Golden.file("e2e-tiny/model"), jimeng.modelFolder().orElseThrow());
    }

    @Test
    void setLoraFolderRefusesAMissingFolderAndListsAGoodOnesLoras() throws Exception {
        CommandModule missing = run(SetLoraFolderCommand.class, Map.of("folder", dir.resolve("nope").toFile()));
        assertTrue(missing.getCancelReason().contains("does not exist"), missing.getCancelReason());
        assertEquals(Golden.file("lora-tiny"), jimeng.loraFolder());
        CommandModule good = run(SetLoraFolderCommand.class, Map.of("folder", Golden.file("lora-tiny").toFile()));
        assertFalse(good.isCanceled(), good.getCancelReason());
        assertTrue(((String) good.getOutput("loras")).endsWith("LoRA(s) in " + Golden.file("lora-tiny")),
                (String) good.getOutput("loras"));
    }

    @Test
    void diagnosticsSayForThisMachineWhichWaysToRunTheRealModelFit() {
        String report = jimeng.diagnostics();
        assertTrue(report.contains("The real Z-Image-Turbo on this machine (estimates, README › Hardware):\n"),
                report);
        assertTrue(report.contains("  CPU, float32: needs about 48 GB of RAM — "), report);
        assertTrue(report.contains("  Disk: the model takes about 33 GB"), report);
    }

    @Test
    void badInputGivesAClearErrorThroughTheCommand() throws Exception {
        CommandModule size = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "width", "100",
                "height", "256", "steps", "4", "seed", "1"));
        assertTrue(size.isCanceled());
        assertTrue(size.getCancelReason().contains("width is 100 px: use a multiple of 16"), size.getCancelReason());
        assertNull(size.getOutput("image"));

        CommandModule lora = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "width", "64", "height",
                "64", "steps", "1", "seed", "1", "lora", "no-such-style"));
        assertTrue(lora.isCanceled());
        assertTrue(lora.getCancelReason().contains("No LoRA named 'no-such-style'"), lora.getCancelReason());

        CommandModule seed = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "seed", "forty-two"));
        assertTrue(seed.getCancelReason().contains("seed 'forty-two' is not a whole number"),
                seed.getCancelReason());

        CommandModule precision = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "precision", "half"));
        assertEquals("precision 'half' is not one of: auto, float32, bfloat16.", precision.getCancelReason());
        CommandModule mode = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "memory_mode", "max"));
        assertEquals("memory mode 'max' is not one of: GPU, Balanced, Low VRAM, CPU.", mode.getCancelReason());

        ImagePlus plain = new ImagePlus("acquired", new ij.process.ColorProcessor(8, 8));
        CommandModule regen = run(RegenerateCommand.class, Map.of("image", plain, "new_seed", false));
        assertTrue(regen.getCancelReason().contains("no Jimeng Studio provenance"), regen.getCancelReason());

        jimeng.setModelFolder(dir);
        CommandModule noModel = run(GenerateImageCommand.class, macroInputs("prompt", FOX, "width", "64", "height",
                "64", "steps", "1", "seed", "1"));
        assertTrue(noModel.getCancelReason().contains("No complete Z-Image-Turbo model found"),
                noModel.getCancelReason());

        jimeng.setModelFolder(Golden.file("e2e-tiny/model"));
        assertEquals(small(7), jimeng.generate(small(7)).record().request(), "the service still works");
    }

    /** What a job reports about loading: how often a LOADING stage began, and the warnings. */
    private static final class LoadWatch implements ProgressListener {
        final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger loadings = new AtomicInteger();

        @Override
        public void stage(Stage stage) {
            if (stage == Stage.LOADING) {
                loadings.incrementAndGet();
            }
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }
    }

    /**
     * The model is loaded for the first request's memory mode and precision (it used to be loaded for BALANCED in
     * AUTO whatever the request, and then again for it); a later request in another precision reloads the networks
     * concerned once, with a warning, in the same pipeline.
     */
    @Test
    void theModelIsLoadedForTheFirstRequestsModeAndPrecisionAndPartlyReloadedForAnother() throws Exception {
        jimeng.unload();
        LoadWatch first = new LoadWatch();
        GeneratedImage bf16 = jimeng.submit(small(21).toBuilder().memoryMode(MemoryMode.CPU)
                .precision(Precision.BFLOAT16).build(), first).await();
        ZImagePipeline loaded = jimeng.loadedPipeline();
        assertEquals(MemoryMode.CPU, loaded.options().memoryMode());
        assertEquals(Precision.BFLOAT16, loaded.options().precision());
        assertEquals("bfloat16", bf16.record().precision());
        assertEquals(1, first.loadings.get(), "loaded once");
        assertEquals(List.of(), first.warnings);

        LoadWatch second = new LoadWatch(); // BALANCED in AUTO: float32 on a CPU
        GeneratedImage f32 = jimeng.submit(small(22), second).await();
        assertSame(loaded, jimeng.loadedPipeline(), "the model is not loaded again as a whole");
        assertEquals("float32", f32.record().precision());
        assertEquals(List.of("text encoder", "transformer"), second.warnings.stream()
                .map(w -> w.replaceAll("^Reloading the (.+) as float32 on cpu \\(it was bfloat16 on cpu\\) .*$", "$1"))
                .toList(), "one reload warning per network: " + second.warnings);

        LoadWatch third = new LoadWatch();
        jimeng.submit(small(23), third).await();
        assertEquals(0, third.loadings.get(), "kept in float32");
        assertEquals(List.of(), third.warnings);
    }

    /**
     * A new LoRA folder is a new LoRA list, not a new model (the whole model used to be reloaded): the loaded
     * pipeline stays, the new folder's LoRAs are listed and apply to it, the old folder's names are gone.
     */
    @Test
    void changingTheLoraFolderKeepsTheLoadedModelAndListsTheNewFoldersLoras() throws Exception {
        Path styles = dir.resolve("styles");
        Files.createDirectories(styles.resolve("ink"));
        Files.copy(Golden.file("lora-tiny/peft.safetensors"), styles.resolve("ink/wash.safetensors"));
        int[] base = pixels(jimeng.toImagePlus(jimeng.generate(small(31))));
        int[] peft = pixels(jimeng.toImagePlus(jimeng.generate(small(31).toBuilder()
                .loras(List.of(new LoraUse("peft", 0.8))).build())));
        assertFalse(java.util.Arrays.equals(base, peft), "the LoRA changes the picture");
        ZImagePipeline loaded = jimeng.loadedPipeline();
        try {
            jimeng.setLoraFolder(styles);
            assertEquals(List.of("ink/wash"), jimeng.loraLibrary().entries().stream().map(LoraInfo::name).toList());
            LoadWatch watch = new LoadWatch();
            GeneratedImage wash = jimeng.submit(small(31).toBuilder().loras(List.of(new LoraUse("ink/wash", 0.8)))
                    .build(), watch).await();
            assertSame(loaded, jimeng.loadedPipeline(), "the same pipeline");
            assertEquals(0, watch.loadings.get(), "nothing was loaded again");
            assertEquals(styles, loaded.loraLibrary().folder());
            assertArrayEquals(peft, pixels(jimeng.toImagePlus(wash)), "the same LoRA file, from the new folder");
            IllegalArgumentException gone = assertThrows(IllegalArgumentException.class, () -> jimeng.submit(
                    small(32).toBuilder().loras(List.of(new LoraUse("peft", 0.8))).build()));
            assertTrue(gone.getMessage().startsWith("No LoRA named 'peft' in " + styles), gone.getMessage());
        } finally {
            jimeng.setLoraFolder(Golden.file("lora-tiny"));
        }
        assertEquals(Golden.file("lora-tiny").toAbsolutePath().normalize(), jimeng.loraLibrary().folder());
    }

    /**
     * One LoRA list: the service and the loaded pipeline hold the same library object, also after a folder change,
     * so a refresh (one scan) is what both see; the pipeline never keeps a stale list of its own.
     */
    @Test
    void theServiceAndThePipelineShareOneLoraLibrary() throws Exception {
        jimeng.generate(small(41));
        ZImagePipeline loaded = jimeng.loadedPipeline();
        assertSame(jimeng.loraLibrary(), loaded.loraLibrary(), "one library from the start");
        Path styles = dir.resolve("styles");
        Files.createDirectories(styles);
        try {
            jimeng.setLoraFolder(styles);
            jimeng.generate(small(41)); // queued after the switch: the pipeline has taken the new library
            assertSame(loaded, jimeng.loadedPipeline());
            assertSame(jimeng.loraLibrary(), loaded.loraLibrary(), "one library after a folder change");
            assertEquals(List.of(), loaded.loraLibrary().entries());

            Files.copy(Golden.file("lora-tiny/peft.safetensors"), styles.resolve("added.safetensors"));
            List<LoraInfo> refreshed = jimeng.refreshLoras();
            assertEquals(List.of("added"), refreshed.stream().map(LoraInfo::name).toList());
            assertEquals(refreshed, loaded.loraLibrary().entries(), "the pipeline sees the refresh");
            assertSame(jimeng.loraLibrary(), loaded.loraLibrary(), "and is still the same library");
        } finally {
            jimeng.setLoraFolder(Golden.file("lora-tiny"));
        }
    }

    /** The folder in use, set again, keeps its library: its scan and the pipeline's LoRA uploads stay. */
    @Test
    void settingTheLoraFolderInUseAgainKeepsItsLibrary() throws Exception {
        jimeng.generate(small(42));
        LoraLibrary library = jimeng.loraLibrary();
        assertSame(library, jimeng.loadedPipeline().loraLibrary());
        jimeng.setLoraFolder(Golden.file("lora-tiny"));
        jimeng.generate(small(42)); // queued after whatever switch the call queued
        assertSame(library, jimeng.loraLibrary());
        assertSame(library, jimeng.loadedPipeline().loraLibrary(), "no switch, so no adapters detached");
    }

    /**
     * A job queued before a LoRA folder change, that loads the model (it was unloaded meanwhile), loads it with the
     * folder it was submitted for, whose LoRAs it was checked against; the later folder follows after it. (It
     * used to load with whatever folder was chosen last, and fail on a LoRA that folder lacks.)
     */
    @Test
    void aJobQueuedBeforeALoraFolderChangeLoadsTheModelWithTheFolderItWasSubmittedFor() throws Exception {
        Path styles = dir.resolve("styles");
        Files.createDirectories(styles);
        GenerationRequest withPeft = small(33).toBuilder().loras(List.of(new LoraUse("peft", 0.8))).build();
        int[] expected = pixels(jimeng.toImagePlus(jimeng.generate(withPeft)));
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        GenerationJob holder = jimeng.submit(small(34), new ProgressListener() {
            @Override
            public void stage(Stage stage) { // holds the generation thread until the queue below is built
                running.countDown();
                try {
                    assertTrue(release.await(30, java.util.concurrent.TimeUnit.SECONDS), "never released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            assertTrue(running.await(30, java.util.concurrent.TimeUnit.SECONDS), "the holding job never ran");
            jimeng.setModelFolder(null); // queues an unload (another folder), so the next job loads the model
            jimeng.setModelFolder(Golden.file("e2e-tiny/model"));
            GenerationJob peft = jimeng.submit(withPeft);
            jimeng.setLoraFolder(styles); // no 'peft' there
            release.countDown();
            holder.await();
            assertArrayEquals(expected, pixels(jimeng.toImagePlus(peft.await())), "loaded with lora-tiny's peft");
            jimeng.generate(small(35));
            assertEquals(styles, jimeng.loadedPipeline().loraLibrary().folder(), "then the new folder");
        } finally {
            release.countDown();
            jimeng.setLoraFolder(Golden.file("lora-tiny"));
        }
    }

    @Test
    void unloadFreesTheModelAndTheNextGenerationLoadsItAgain() throws Exception {
        jimeng.generate(small(3));
        assertTrue(jimeng.isModelLoaded());
        assertFalse(run(UnloadModelCommand.class, Map.of()).isCanceled());
        assertFalse(jimeng.isModelLoaded());
        String report = (String) run(DiagnosticsCommand.class, Map.of()).getOutput("report");
        assertTrue(report.contains("libtorch 2.7.1"), report);
        assertTrue(report.contains("Model (not loaded yet)"), report);
        assertTrue(report.contains("LoRA folder: " + Golden.file("lora-tiny")), report);
        assertTrue(report.contains("(packed linears)") && report.matches("(?s).*Free memory: \\d+ MB, of which \\d+ MB"
                + " is kept in reserve by the checks.*"), report);
        String loras = (String) run(RefreshLorasCommand.class, Map.of()).getOutput("loras");
        assertTrue(loras.contains("peft"), loras);
        jimeng.generate(small(3));
        assertTrue(jimeng.isModelLoaded());
    }
}
