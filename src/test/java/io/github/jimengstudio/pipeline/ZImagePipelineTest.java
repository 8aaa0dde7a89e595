package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.pipeline.ResidencyPlan.Component;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.runtime.TorchRuntimeException;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.testing.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline's behaviour around the numbers: determinism, modes, progress, cancel, refusals, idle release. */
class ZImagePipelineTest {
    private static ZImagePipeline pipeline;
    private static E2eCase caseA;
    private static long[] expectedA;

    @BeforeAll
    static void load() throws IOException {
        pipeline = ZImagePipeline.load(locate(Golden.file("e2e-tiny/model")), PipelineOptions.defaults());
        caseA = E2eCase.named("case_a");
        try (SafetensorsFile f = SafetensorsFile.open(caseA.tensors())) {
            expectedA = f.longs("image_uint8");
        }
    }

    @AfterAll
    static void close() throws IOException {
        pipeline.close();
    }

    /** Case a's prompt and seed at 128x128 in 2 steps: enough to compare pixels, a fraction of the time. */
    private static GenerationRequest.Builder small() {
        return caseA.request().size(128, 128).steps(2);
    }

    static ModelLocation locate(Path folder) throws IOException {
        return new ModelLocator(Map.of(), Path.of("/nonexistent-home")).locate(folder);
    }

    /** Records what a generation reports, in order. */
    static class Events implements ProgressListener {
        final List<String> log = new ArrayList<>();
        final List<PreviewImage> previews = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();

        @Override
        public void stage(Stage stage) {
            log.add("stage " + stage);
        }

        @Override
        public void step(int step, int steps, Duration elapsed, Duration eta) {
            log.add("step " + step + "/" + steps);
            assertFalse(elapsed.isNegative() || eta.isNegative());
            if (step == steps) {
                assertEquals(Duration.ZERO, eta);
            }
        }

        @Override
        public void preview(PreviewImage preview) {
            log.add("preview " + preview.step());
            previews.add(preview);
        }

        @Override
        public void warning(String message) {
            log.add("warning");
            warnings.add(message);
        }

        @Override
        public void finished(GeneratedImage image) {
            log.add("finished");
        }

        @Override
        public void cancelled(String message) {
            log.add("cancelled: " + message);
        }

        @Override
        public void failed(Throwable error) {
            log.add("failed: " + error.getMessage());
        }
    }

    @Test
    void theSameSeedGivesIdenticalPixelsAndTheSecondRunReusesThePromptEmbedding() throws IOException {
        GenerationRequest r = small().build();
        GeneratedImage first = pipeline.generate(r);
        long hits = pipeline.promptCache().hits();
        GeneratedImage second = pipeline.generate(r);
        assertArrayEquals(first.rgb(), second.rgb());
        assertEquals(hits + 1, pipeline.promptCache().hits(), "the prompt was encoded once");
        GeneratedImage otherSeed = pipeline.generate(small().seed(43).build());
        assertFalse(java.util.Arrays.equals(first.rgb(), otherSeed.rgb()), "another seed, another image");
    }

    @Test
    void everyMemoryModeGivesTheSamePixelsOnACpu() throws IOException {
        byte[] reference = pipeline.generate(small().memoryMode(MemoryMode.GPU).build()).rgb();
        for (MemoryMode mode : List.of(MemoryMode.BALANCED, MemoryMode.LOW_VRAM, MemoryMode.CPU)) {
            GeneratedImage img = pipeline.generate(small().memoryMode(mode).build());
            assertArrayEquals(reference, img.rgb(), mode.toString());
            assertEquals(mode, img.record().request().memoryMode());
        }
    }

    @Test
    void progressComesInOrderWithAPreviewAfterEveryStep() throws IOException {
        Events events = new Events();
        GeneratedImage image = pipeline.generate(caseA.request("a quiet lake at dawn").size(128, 96).steps(3)
                .build(), events, CancellationToken.none());
        assertEquals(List.of("stage ENCODING", "stage DENOISING", "step 1/3", "preview 1", "step 2/3", "preview 2",
                "step 3/3", "preview 3", "stage DECODING", "finished"), events.log);
        PreviewImage last = events.previews.get(2);
        assertEquals(16, last.width());
        assertEquals(12, last.height());
        assertNotEquals(events.previews.get(0), last);
        GenerationTimings t = image.record().timings();
        assertTrue(t.firstPreviewMillis() > 0 && t.firstPreviewMillis() <= t.totalMillis());
        assertTrue(t.millis(Stage.ENCODING) > 0 && t.millis(Stage.DECODING) > 0);
        assertEquals(3, t.stepMillis().size());
    }

    @Test
    void aCancelledGenerationLeavesThePipelineReadyForTheNext() throws IOException {
        CancellationToken cancel = new CancellationToken();
        Events events = new Events() {
            @Override
            public void step(int step, int steps, Duration elapsed, Duration eta) {
                super.step(step, steps, elapsed, eta);
                if (step == 2) {
                    cancel.cancel();
                }
            }
        };
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                () -> pipeline.generate(caseA.request().build(), events, cancel));
        assertEquals("Generation cancelled before step 3 of 4.", e.getMessage());
        assertEquals("cancelled: Generation cancelled before step 3 of 4.", events.log.get(events.log.size() - 1));
        Tolerance.assertPixelsMatch(expectedA, pipeline.generate(caseA.request().build()).rgb(), "after a cancel");
    }

    @Test
    void aCancelIsHonouredInsideTheTransformerBetweenBlocks() throws IOException {
        CancellationToken cancel = new CancellationToken();
        cancel.cancel();
        ZImageTransformerConfig config = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (WeightSource w = WeightSources.open(Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer dit = ZImageTransformer.load(w, config, ElementType.FLOAT32);
                TensorScope s = TensorScope.open()) {
            TransformerModel model = new TransformerModel(dit, Tensor.zeros(19, 64), null, 32, 32, 8, cancel);
            GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                    () -> model.predict(new float[16 * 32 * 32], 0f, false));
            assertEquals("Generation cancelled during step 1 of 8.", e.getMessage());
        }
    }

    @Test
    void requestsTheModelCannotTakeAreRefusedBeforeAnyNativeWork() {
        long misses = pipeline.promptCache().misses();
        // The tiny transformer's position tables (axes_lens [256, 64, 64]) stop at 1024 px.
        Events events = new Events();
        InvalidRequestException big = assertThrows(InvalidRequestException.class,
                () -> pipeline.generate(caseA.request().size(1024, 1040).build(), events, CancellationToken.none()));
        assertTrue(big.getMessage().startsWith("1024x1040 px needs 64x65 image positions"), big.getMessage());
        assertEquals(List.of("failed: " + big.getMessage()), events.log, "no stage started");
        // 40 repetitions make about 250 tokens: more than the tiny table's 224.
        String longPrompt = "a red fox in the snow, watercolor ".repeat(25);
        InvalidRequestException caption = assertThrows(InvalidRequestException.class,
                () -> pipeline.generate(caseA.request(longPrompt).build()));
        assertTrue(caption.getMessage().startsWith("The prompt is "), caption.getMessage());
        assertTrue(caption.getMessage().endsWith("takes at most 224: shorten it."), caption.getMessage());
        InvalidRequestException lora = assertThrows(InvalidRequestException.class,
                () -> pipeline.generate(caseA.request().loras(List.of(new LoraUse("ink", 0.5))).build()));
        assertEquals("LoRA 'ink' was asked for, but no LoRA folder is set (command line: --lora-dir DIR).",
                lora.getMessage());
        assertEquals(misses, pipeline.promptCache().misses(), "the text encoder never ran");
        // Invalid values never get as far as a request.
        assertThrows(InvalidRequestException.class, () -> caseA.request().size(250, 256).build());
        assertThrows(InvalidRequestException.class, () -> caseA.request().steps(101).build());
        assertThrows(InvalidRequestException.class, () -> caseA.request().guidance(Double.NaN).build());
    }

    @Test
    void aGpuRequestWithoutOneIsAClearRefusalAndTheCpuNeedsNothingSetAtStart() throws IOException {
        TorchRuntime rt = TorchRuntime.get();
        assertNull(ZImagePipeline.gpuFor(DevicePreference.CPU, rt), "the CPU preference never places on a GPU");
        assertEquals(rt.device().isCuda() ? rt.device() : null, ZImagePipeline.gpuFor(DevicePreference.AUTO, rt));
        if (rt.gpuCount() == 0) {
            TorchRuntimeException e = assertThrows(TorchRuntimeException.class, () -> ZImagePipeline.load(
                    locate(Golden.file("e2e-tiny/model")), PipelineOptions.defaults().withDevice(DevicePreference.GPU)));
            assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("CUDA build"), e.getMessage());
        } else {
            assertEquals(ComputeDevice.cuda(0), ZImagePipeline.gpuFor(DevicePreference.GPU, rt));
        }
        PipelineOptions cpu = PipelineOptions.defaults().withDevice(DevicePreference.CPU);
        try (ZImagePipeline p = ZImagePipeline.load(locate(Golden.file("e2e-tiny/model")), cpu)) {
            GeneratedImage image = p.generate(small().memoryMode(MemoryMode.GPU).build());
            assertEquals("cpu", image.record().device(), "a GPU mode with the CPU preferred places everything on it");
            assertArrayEquals(pipeline.generate(small().build()).rgb(), image.rgb());
        }
    }

    @Test
    void anIdleTransformerIsReleasedAndReloadedByTheNextGeneration() throws IOException, InterruptedException {
        PipelineOptions quick = PipelineOptions.defaults().withIdleRelease(Duration.ofMillis(150), true);
        try (ZImagePipeline p = ZImagePipeline.load(locate(Golden.file("e2e-tiny/model")), quick)) {
            byte[] first = p.generate(small().build()).rgb();
            assertTrue(p.isLoaded(Component.TRANSFORMER));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (p.isLoaded(Component.TRANSFORMER) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(p.isLoaded(Component.TRANSFORMER), "released after 150 ms idle");
            assertTrue(p.isLoaded(Component.TEXT_ENCODER) && p.isLoaded(Component.VAE), "only the transformer goes");
            Events events = new Events();
            GeneratedImage again = p.generate(small().build(), events, CancellationToken.none());
            assertEquals("stage ENCODING", events.log.get(0));
            assertEquals("stage LOADING", events.log.get(1));
            assertArrayEquals(first, again.rgb());
            assertTrue(again.record().timings().millis(Stage.LOADING) > 0);
        }
    }

    /**
     * A pipeline loaded for a precision computes a request in it at once (the command line's {@code --precision
     * bfloat16} used to load float32 first, then everything again in bfloat16). A request in another precision
     * reloads each network once, says so, and the networks stay in that precision.
     */
    @Test
    void aPipelineLoadedForAPrecisionUsesItAndAnotherPrecisionReloadsOnceWithAWarning() throws IOException {
        Events loading = new Events();
        PipelineOptions bf16 = PipelineOptions.defaults().withSettingsOf(small().precision(Precision.BFLOAT16).build());
        assertEquals(Precision.BFLOAT16, bf16.precision());
        try (ZImagePipeline p = ZImagePipeline.load(locate(Golden.file("e2e-tiny/model")), bf16, loading,
                CancellationToken.none())) {
            assertEquals(List.of("stage LOADING"), loading.log, "one load, for every network");
            Events same = new Events();
            GeneratedImage first = p.generate(small().precision(Precision.BFLOAT16).build(), same,
                    CancellationToken.none());
            assertEquals("bfloat16", first.record().precision());
            assertFalse(same.log.contains("stage LOADING"), "nothing loaded again: " + same.log);
            assertEquals(List.of(), same.warnings);
            assertFalse(first.record().timings().stageMillis().containsKey(Stage.LOADING));

            Events other = new Events();
            GeneratedImage f32 = p.generate(small().precision(Precision.FLOAT32).build(), other,
                    CancellationToken.none());
            assertEquals("float32", f32.record().precision());
            assertEquals(List.of(
                    "Reloading the text encoder as float32 on cpu (it was bfloat16 on cpu) for this request's precision"
                            + " float32; it stays so for the next requests.",
                    "Reloading the transformer as float32 on cpu (it was bfloat16 on cpu) for this request's precision"
                            + " float32; it stays so for the next requests."), other.warnings);
            assertEquals(List.of(), f32.record().warnings(), "a reload is about the session, not the image");
            assertArrayEquals(pipeline.generate(small().precision(Precision.FLOAT32).build()).rgb(), f32.rgb());

            Events again = new Events();
            p.generate(small().precision(Precision.FLOAT32).build(), again, CancellationToken.none());
            assertFalse(again.log.contains("stage LOADING"), "reloaded once, then kept: " + again.log);
            assertEquals(List.of(), again.warnings);
        }
    }

    /**
     * A reload that fails (here the transformer's second shard was replaced by one with a tensor of the wrong shape)
     * leaves that network unloaded and says so, never half there; with the file back, the next request loads it and
     * gives the reference pixels.
     */
    @Test
    void aReloadThatFailsLeavesTheNetworkUnloadedAndTheNextRequestLoadsItAgain(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model");
        copyFolder(Golden.file("e2e-tiny/model"), model);
        Path shard = model.resolve("transformer/diffusion_pytorch_model-00002-of-00002.safetensors");
        Path original = tmp.resolve("shard.safetensors");
        Files.copy(shard, original);
        String broken;
        try (ZImagePipeline p = ZImagePipeline.load(locate(model), PipelineOptions.defaults())) {
            try (SafetensorsFile f = SafetensorsFile.open(original)) {
                broken = f.names().iterator().next();
                SafetensorsWriter w = new SafetensorsWriter();
                for (String name : f.names()) {
                    if (name.equals(broken)) {
                        w.add(name, DType.F32, new long[] {1}, new float[1]);
                    } else {
                        w.add(name, f.info(name).dtype(), f.info(name).shape(), f.data(name));
                    }
                }
                w.write(shard);
            }
            WeightFileException failed = assertThrows(WeightFileException.class,
                    () -> p.generate(small().precision(Precision.BFLOAT16).build()));
            assertTrue(failed.getMessage().contains("'" + broken + "' has shape [1]"), failed.getMessage());
            assertFalse(p.isLoaded(Component.TRANSFORMER));
            assertTrue(p.deviceDescription().contains("transformer: not loaded"), p.deviceDescription());
            assertEquals(List.of(), openDescriptorsOf(shard), "the failed load closed the file it had opened");

            Files.copy(original, shard, StandardCopyOption.REPLACE_EXISTING);
            assertArrayEquals(pipeline.generate(small().build()).rgb(),
                    p.generate(small().precision(Precision.FLOAT32).build()).rgb());
            assertTrue(p.isLoaded(Component.TRANSFORMER));
        }
    }

    /** The descriptors this process holds open on {@code file} (Linux's /proc/self/fd, which the tests run on). */
    private static List<Path> openDescriptorsOf(Path file) throws IOException {
        List<Path> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) {
                        open.add(fd);
                    }
                } catch (IOException e) {
                    // the descriptor of the listing itself, closed by now
                }
            }
        }
        return open;
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    /**
     * The device line says where each network is now, not what the pipeline was loaded for: after a request in
     * another precision (on a CPU every memory mode places everything on it) it names the networks' new precision,
     * and after an unload it says they are not loaded.
     */
    @Test
    void theDeviceDescriptionFollowsTheNetworksAfterARequestInAnotherPrecision() throws IOException {
        TorchRuntime rt = TorchRuntime.get();
        String engine = " (libtorch " + rt.libtorchVersion() + ", " + rt.threads() + " threads)";
        PipelineOptions cpu = PipelineOptions.defaults().withDevice(DevicePreference.CPU);
        try (ZImagePipeline p = ZImagePipeline.load(locate(Golden.file("e2e-tiny/model")), cpu)) {
            assertEquals("text encoder, transformer, VAE: float32 on cpu" + engine, p.deviceDescription());
            p.generate(GenerationRequest.builder("fox").size(64, 64).steps(1).seed(1).memoryMode(MemoryMode.CPU)
                    .precision(Precision.BFLOAT16).build());
            assertEquals("text encoder, transformer: bfloat16 on cpu; VAE: float32 on cpu" + engine,
                    p.deviceDescription());
            p.unloadAll();
            assertEquals("text encoder, transformer, VAE: not loaded" + engine, p.deviceDescription());
            assertFalse(p.isLoaded(Component.TRANSFORMER));
        }
    }

    /**
     * The bf16 path (the GPU default) on the tiny model, against float32: measured PSNR 50–52 dB, mean |Δ| 0.34–0.44
     * of 255, max 7–8. The bound is PSNR ≥ 40 dB and mean |Δ| ≤ 1.5; the ±1 criterion is for float32 only.
     */
    @Test
    void bfloat16ComputeStaysCloseToFloat32() throws IOException {
        GeneratedImage f32 = pipeline.generate(small().build());
        GeneratedImage bf16 = pipeline.generate(small().precision(Precision.BFLOAT16).build());
        assertEquals("bfloat16", bf16.record().precision());
        assertEquals("float32", f32.record().precision());
        double sum = 0;
        double squares = 0;
        for (int k = 0; k < f32.rgb().length; k++) {
            int d = (f32.rgb()[k] & 0xFF) - (bf16.rgb()[k] & 0xFF);
            sum += Math.abs(d);
            squares += d * d;
        }
        double n = f32.rgb().length;
        double psnr = 10 * Math.log10(255.0 * 255.0 / (squares / n));
        assertTrue(psnr >= 40, "PSNR " + psnr);
        assertTrue(sum / n <= 1.5, "mean |diff| " + sum / n);
        assertFalse(java.util.Arrays.equals(f32.rgb(), bf16.rgb()), "bf16 really ran");
    }
}
