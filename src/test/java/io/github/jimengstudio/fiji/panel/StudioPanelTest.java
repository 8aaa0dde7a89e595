package io.github.jimengstudio.fiji.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.pipeline.download.DownloadCancelledException;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.DownloadProgress;
import ij.process.ColorProcessor;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import io.github.jimengstudio.pipeline.PreviewImage;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import java.awt.event.ActionEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.swing.JComboBox;
import javax.swing.JTextArea;
import javax.swing.SwingUtilities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The panel against a stand-in engine, without any window (a JPanel needs no display, so this runs headless): the
 * controls become the submitted request, Ctrl+Enter submits and typing does not, bad input is shown inline, a
 * finished run lands in the history and restores from it, and no engine call ever happens on the EDT.
 */
class StudioPanelTest {

    /** Records every call, and on which thread it came. */
    /** A LoRA file as the library lists it: PEFT, rank 4; refused with {@code problem} when not null. */
    static LoraInfo lora(String name, String problem) {
        return new LoraInfo(name, java.nio.file.Path.of("/lora", name + ".safetensors"), 1000, java.time.Instant.EPOCH,
                io.github.jimengstudio.lora.LoraFormat.values()[0], new java.util.TreeSet<>(List.of(4)), 30,
                new java.util.TreeSet<>(List.of("attention")), null, null, java.util.Map.of(), problem);
    }

    static final class FakeEngine implements StudioEngine {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<String> callsOnEdt = Collections.synchronizedList(new ArrayList<>());
        final List<GenerationRequest> submitted = Collections.synchronizedList(new ArrayList<>());
        volatile CompletableFuture<GeneratedImage> last;
        volatile Throwable refusal;
        /** Counted down each time submit is entered. */
        final CountDownLatch inSubmit = new CountDownLatch(1);
        /** When set, submit holds the job handle back until it opens (a slow queue or a busy service). */
        volatile CountDownLatch handleGate;
        /** When set, a job runs until it is cancelled, as a long generation would. */
        volatile boolean runsUntilCancelled;

        private void called(String what) {
            calls.add(what);
            if (SwingUtilities.isEventDispatchThread()) {
                callsOnEdt.add(what);
            }
        }

        @Override
        public Job submit(GenerationRequest request, ProgressListener listener) {
            called("submit");
            inSubmit.countDown();
            if (refusal instanceof RuntimeException r) {
                throw r;
            }
            if (refusal instanceof Error e) {
                throw e;
            }
            submitted.add(request);
            CountDownLatch gate = handleGate;
            if (gate != null) {
                try {
                    assertTrue(gate.await(10, TimeUnit.SECONDS), "the test never released the job handle");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            GenerationRequest resolved = request.withResolvedSeed(new SplittableRandom(7));
            CompletableFuture<GeneratedImage> result = runsUntilCancelled ? new CompletableFuture<>()
                    : CompletableFuture.supplyAsync(() -> {
                listener.stage(Stage.DENOISING);
                listener.step(1, 1, Duration.ofMillis(5), Duration.ZERO);
                listener.preview(new PreviewImage(1, 1, 2, 2, new byte[12]));
                byte[] rgb = new byte[64 * 64 * 3];
                java.util.Arrays.fill(rgb, (byte) 200);
                return new GeneratedImage(64, 64, rgb, PanelSettingsTest.record(resolved));
            }, Executors.newSingleThreadExecutor());
            last = result;
            return new Job() {
                @Override
                public CompletableFuture<GeneratedImage> result() {
                    return result;
                }

                @Override
                public void cancel() {
                    called("cancel");
                    result.completeExceptionally(new GenerationCancelledException("Cancelled."));
                }
            };
        }

        @Override
        public List<LoraInfo> loras() {
            called("loraNames");
            return List.of(lora("ink-style", null));
        }

        @Override
        public List<LoraInfo> refreshLoras() {
            called("refreshLoras");
            return List.of(lora("ink-style", null), lora("pencil", null));
        }

        @Override
        public String modelStatus() throws java.io.IOException {
            called("modelStatus");
            if (modelMissing != null) {
                throw modelMissing;
            }
            return "Model not loaded yet: tiny";
        }

        /** When set, no model is found (modelStatus throws it) until a folder with one is chosen. */
        volatile java.io.IOException modelMissing;
        final List<java.nio.file.Path> modelFolders = Collections.synchronizedList(new ArrayList<>());
        /** Opened by the test to let a running download finish; a cancel ends it at once. */
        final CountDownLatch downloadMayFinish = new CountDownLatch(1);
        final CountDownLatch downloadStarted = new CountDownLatch(1);
        volatile boolean downloadCancelled;

        @Override
        public String useModelFolder(java.nio.file.Path folder) throws java.io.IOException {
            called("useModelFolder");
            if (folder.getFileName().toString().equals("empty")) {
                throw new java.io.IOException(folder + " holds no Z-Image-Turbo model: transformer/ is missing.");
            }
            modelFolders.add(folder);
            modelMissing = null;
            return "Z-Image-Turbo (Hugging Face folder) at " + folder;
        }

        @Override
        public java.nio.file.Path defaultDownloadFolder() {
            return java.nio.file.Path.of("/hub");
        }

        @Override
        public String downloadModel(java.nio.file.Path folder, DownloadListener listener) throws java.io.IOException {
            called("downloadModel");
            listener.progress(new DownloadProgress("transformer/a.safetensors", 5, 10, 5, 10, 0, 2, 1e6,
                    java.util.Optional.empty()));
            downloadStarted.countDown();
            try {
                while (!downloadCancelled && !downloadMayFinish.await(20, TimeUnit.MILLISECONDS)) {
                    // a long download
                }
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            if (downloadCancelled) {
                throw new DownloadCancelledException("Download cancelled.");
            }
            modelMissing = null;
            return "Downloaded Tongyi-MAI/Z-Image-Turbo into " + folder + ".";
        }

        @Override
        public void cancelDownload() {
            called("cancelDownload");
            downloadCancelled = true;
        }

        @Override
        public ImagePlus toImagePlus(GeneratedImage image) {
            called("toImagePlus");
            ImagePlus imp = new ImagePlus("made (seed " + image.record().request().seedString() + ")",
                    new ColorProcessor(image.width(), image.height()));
            imp.setProp("jimeng.seed", image.record().request().seedString());
            return imp;
        }

        @Override
        public void save(ImagePlus image, Path file) {
            called("save");
        }
    }

    private FakeEngine engine;
    private StudioPanel panel;

    @BeforeEach
    void open() throws Exception {
        engine = new FakeEngine();
        panel = onEdt(() -> new StudioPanel(engine, 3));
        settle();
    }

    @AfterEach
    void close() {
        panel.dispose();
    }

    private static <T> T onEdt(java.util.concurrent.Callable<T> task) throws Exception {
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        SwingUtilities.invokeAndWait(() -> {
            try {
                out.set(task.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return out.get();
    }

    private static void onEdt(Runnable task) throws Exception {
        SwingUtilities.invokeAndWait(task);
    }

    /**
     * Lets the worker, the stand-in generation and the EDT hand-offs run out. The job's completion reaches the
     * EDT from the generation thread at a time of its own, so wait for the panel to leave its busy state rather
     * than for a fixed number of hand-offs; then for the image hand-over that {@code ended} queues on the worker,
     * and for the EDT update that follows it.
     */
    private void settle() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        panel.awaitWorker();
        while (onEdt(panel::isBusy)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the panel was still busy after 10 s");
            }
            Thread.sleep(5);
        }
        panel.awaitWorker();
        onEdt(() -> {});
    }

    private void pressCtrlEnter() throws Exception {
        onEdt(() -> {
            JTextArea area = panel.promptBox().area();
            Object key = area.getInputMap().get(PromptBox.CTRL_ENTER);
            area.getActionMap().get(key).actionPerformed(new ActionEvent(area, ActionEvent.ACTION_PERFORMED, ""));
        });
        settle();
    }

    @Test
    void ctrlEnterSubmitsTheControlsAndTheResultLandsInTheHistoryWithItsDrawnSeed() throws Exception {
        assertEquals("Model not loaded yet: tiny", onEdt(panel::modelStatusText));
        onEdt(() -> panel.promptBox().area().replaceSelection("a red fox in the snow"));
        settle();
        assertTrue(engine.submitted.isEmpty(), "typing started work");

        pressCtrlEnter();
        assertEquals(1, engine.submitted.size());
        GenerationRequest sent = engine.submitted.get(0);
        assertEquals("a red fox in the snow", sent.prompt());
        assertEquals(1024, sent.width());
        assertEquals(GenerationRequest.DEFAULT_STEPS, sent.steps());
        assertNull(sent.seed(), "the dice leave the seed to the engine");

        assertEquals(1, onEdt(() -> panel.history().records().size()));
        String drawn = onEdt(() -> panel.history().records().get(0).request().seedString());
        assertEquals(drawn, onEdt(() -> panel.tuning().seedText()), "the drawn seed is shown after the run");
        assertTrue(onEdt(() -> panel.progress().line()).startsWith("Done in 1.2 s, seed " + drawn));
        assertEquals("", onEdt(panel::problemText));
        assertTrue(engine.calls.contains("toImagePlus"));
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    @Test
    void clickingAHistoryEntryRestoresItsSettingsWithTheSeedLocked() throws Exception {
        onEdt(() -> panel.promptBox().setText("fox at dusk"));
        onEdt(() -> panel.tuning().restore(new PanelSettings("", "", List.of(), 3, 1.5, false, "",
                "512 × 768", null, null)));
        pressCtrlEnter();
        String drawn = onEdt(() -> panel.history().records().get(0).request().seedString());

        onEdt(() -> {
            panel.promptBox().setText("something else");
            panel.tuning().restore(PanelSettings.defaults());
        });
        onEdt(() -> panel.history().restoreAt(0));
        PanelSettings restored = onEdt(panel::settings);
        assertEquals("fox at dusk", restored.prompt());
        assertEquals(3, restored.steps());
        assertEquals(1.5, restored.guidance());
        assertEquals("512 × 768", restored.size());
        assertTrue(restored.seedLocked());
        assertEquals(drawn, restored.seed());

        pressCtrlEnter();
        assertEquals(2, engine.submitted.size());
        assertEquals(drawn, engine.submitted.get(1).seedString(), "the restored seed is used again");
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    @Test
    void restoringARecordWithTwoLorasAndANegativePromptPutsThemAllBackAndGenerateSendsTheSameRequest()
            throws Exception {
        GenerationRequest made = GenerationRequest.builder("fox at dusk").negativePrompt("blurry, text")
                .size(512, 768).steps(6).guidance(2.0).seed(-2L)
                .loras(List.of(new LoraUse("ink-style", 0.6), new LoraUse("pencil", 1.25))).build();
        onEdt(() -> panel.history().add(PanelSettingsTest.record(made)));
        assertEquals(1, onEdt(() -> panel.loraChooser().rowCount()));

        onEdt(() -> panel.history().restoreAt(0));
        assertEquals(2, onEdt(() -> panel.loraChooser().rowCount()), "one LoRA row per LoRA of the record");
        assertEquals(made.loras(), onEdt(() -> panel.loraChooser().choices()));
        assertEquals("blurry, text", onEdt(() -> panel.tuning().negativePrompt()));
        assertEquals("▸ Settings: 6 steps, guidance 2.0, seed 18446744073709551614, 512 × 768, negative prompt",
                onEdt(() -> panel.tuning().summary()));
        assertEquals("Not in the LoRA folder: pencil. Put it back and press ↻, or set its row to None; Generate "
                + "refuses it as it is.", onEdt(panel::problemText), "the folder lists only ink-style");

        pressCtrlEnter();
        assertEquals(List.of(made), engine.submitted, "Generate after restoring asks for the same image");
        assertEquals("", onEdt(panel::problemText), "this engine took it");

        onEdt(() -> panel.history().add(PanelSettingsTest.record(made.toBuilder().loras(List.of()).guidance(0)
                .build())));
        onEdt(() -> panel.history().restoreAt(0));
        assertEquals(1, onEdt(() -> panel.loraChooser().rowCount()), "a record without LoRAs leaves one row, None");
        assertEquals(List.of(), onEdt(() -> panel.loraChooser().choices()));
        assertTrue(onEdt(() -> panel.tuning().summary()).endsWith(", negative prompt (unused at guidance 0)"));

        onEdt(() -> panel.history().add(PanelSettingsTest.record(made)));
        onEdt(() -> panel.history().restoreAt(0));
        assertTrue(onEdt(panel::problemText).startsWith("Not in the LoRA folder: pencil."));
        onEdt(() -> panel.history().add(PanelSettingsTest.record(made.toBuilder().loras(List.of(
                new LoraUse("INK-STYLE", 0.5))).build())));
        onEdt(() -> panel.history().restoreAt(0));
        assertEquals("", onEdt(panel::problemText), "the folder has it, in another case: no note");
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    /** The fold-out's combo box with this name, as the user reaches it. */
    @SuppressWarnings("unchecked")
    private JComboBox<String> combo(String name) throws Exception {
        return onEdt(() -> {
            java.util.ArrayDeque<java.awt.Component> todo = new java.util.ArrayDeque<>(List.of(panel.tuning()));
            while (!todo.isEmpty()) {
                java.awt.Component c = todo.pop();
                if (name.equals(c.getName()) && c instanceof JComboBox<?> box) {
                    return (JComboBox<String>) box;
                }
                if (c instanceof java.awt.Container parent) {
                    todo.addAll(List.of(parent.getComponents()));
                }
            }
            throw new AssertionError("no combo box named " + name);
        });
    }

    @Test
    void theChosenMemoryModeAndPrecisionAreSentAndARestoredGenerationPutsItsOwnBack() throws Exception {
        onEdt(() -> panel.promptBox().setText("fox"));
        pressCtrlEnter();
        assertEquals(MemoryMode.BALANCED, engine.submitted.get(0).memoryMode(), "the defaults");
        assertEquals(Precision.AUTO, engine.submitted.get(0).precision());

        JComboBox<String> mode = combo("memoryMode");
        JComboBox<String> precision = combo("precision");
        assertEquals(List.of("GPU", "Balanced", "Low VRAM", "CPU"), onEdt(() -> items(mode)));
        assertEquals(List.of("auto", "float32", "bfloat16"), onEdt(() -> items(precision)));
        onEdt(() -> {
            mode.setSelectedItem("Low VRAM");
            precision.setSelectedItem("bfloat16");
        });
        assertTrue(onEdt(() -> panel.tuning().summary()).endsWith(", memory mode Low VRAM, bfloat16"),
                onEdt(() -> panel.tuning().summary()));
        pressCtrlEnter();
        assertEquals(MemoryMode.LOW_VRAM, engine.submitted.get(1).memoryMode());
        assertEquals(Precision.BFLOAT16, engine.submitted.get(1).precision());

        GenerationRequest made = GenerationRequest.builder("fox in bf16").size(512, 512).seed(3)
                .memoryMode(MemoryMode.CPU).precision(Precision.BFLOAT16).build();
        onEdt(() -> {
            panel.tuning().restore(PanelSettings.defaults());
            panel.history().add(PanelSettingsTest.record(made));
        });
        assertEquals("Balanced", onEdt(mode::getSelectedItem));
        onEdt(() -> panel.history().restoreAt(0));
        assertEquals("CPU", onEdt(mode::getSelectedItem));
        assertEquals("bfloat16", onEdt(precision::getSelectedItem));
        pressCtrlEnter();
        assertEquals(made, engine.submitted.get(2), "Generate after restoring asks for the same mode and precision");
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    private static List<String> items(JComboBox<String> box) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < box.getItemCount(); i++) {
            items.add(box.getItemAt(i));
        }
        return items;
    }

    @Test
    void plusStacksAnotherLoraRowMinusRemovesItAndRowsLeftAtNoneAddNothing() throws Exception {
        LoraChooser chooser = panel.loraChooser();
        assertEquals(List.of(), onEdt(chooser::choices), "one row, at None: no LoRA");
        onEdt(() -> chooser.add.doClick());
        assertEquals(2, onEdt(chooser::rowCount));
        assertEquals(List.of(), onEdt(chooser::choices), "a new row starts at None");

        onEdt(() -> chooser.select(List.of(new LoraUse("ink-style", 0.5), new LoraUse("pencil", 0.75))));
        onEdt(() -> panel.tuning().restore(new PanelSettings("", "", List.of(), 2, 0, true, "9", "64 x 64", null,
                null)));
        onEdt(() -> panel.promptBox().setText("fox"));
        pressCtrlEnter();
        assertEquals(List.of(new LoraUse("ink-style", 0.5), new LoraUse("pencil", 0.75)),
                engine.submitted.get(0).loras());

        onEdt(() -> chooser.removeButton(1).doClick());
        assertEquals(1, onEdt(chooser::rowCount));
        assertEquals(List.of(new LoraUse("ink-style", 0.5)), onEdt(chooser::choices));

        onEdt(() -> chooser.select(List.of(new LoraUse("ink-style", 0.5), new LoraUse("pencil", 0.75))));
        onEdt(() -> chooser.setNames(List.of("ink-style")));
        assertEquals(List.of(new LoraUse("ink-style", 0.5)), onEdt(chooser::choices),
                "a rescan that no longer finds a LoRA sets its row to None");
        assertEquals(2, onEdt(chooser::rowCount));
    }

    @Test
    void badInputIsShownInlineAndNothingIsSubmitted() throws Exception {
        pressCtrlEnter();
        assertEquals("The prompt is empty: describe the picture you want.", onEdt(panel::problemText));
        onEdt(() -> {
            panel.promptBox().setText("fox");
            panel.tuning().restore(new PanelSettings("", "", List.of(), 8, 0, false, "", "1000 x 64", null, null));
        });
        pressCtrlEnter();
        assertEquals("width is 1000 px: use a multiple of 16 from 64 to 4096 (for example 992).",
                onEdt(panel::problemText));
        assertTrue(engine.submitted.isEmpty());
        assertFalse(engine.calls.contains("submit"));
    }

    @Test
    void anEngineRefusalIsShownInlineAndThePanelIsReadyAgain() throws Exception {
        engine.refusal = new InvalidRequestException("There is no LoRA 'gone' in /lora: choose one of ink-style.");
        onEdt(() -> panel.promptBox().setText("fox"));
        pressCtrlEnter();
        assertEquals("There is no LoRA 'gone' in /lora: choose one of ink-style.", onEdt(panel::problemText));
        engine.refusal = null;
        pressCtrlEnter();
        assertEquals(1, engine.submitted.size(), "Generate works again after a refusal");
        assertEquals("", onEdt(panel::problemText));
        assertNotNull(engine.last);
    }

    @Test
    void anErrorFromTheEngineLeavesThePanelReadyAndALongMessageShowsItsFirstSentence() throws Exception {
        engine.refusal = new StackOverflowError();
        onEdt(() -> panel.promptBox().setText("fox"));
        pressCtrlEnter();
        assertEquals("The input is nested too deeply to read (StackOverflowError).", onEdt(panel::problemText));
        assertFalse(onEdt(panel::isBusy), "an Error must not leave the panel busy");

        String places = "No complete Z-Image-Turbo model found. Looked in:\n" + "  /somewhere/models: no folder\n"
                .repeat(30);
        engine.refusal = new java.io.UncheckedIOException(places, new java.io.IOException(places));
        pressCtrlEnter();
        assertEquals("No complete Z-Image-Turbo model found.", onEdt(panel::problemText));
        engine.refusal = null;
    }

    /** A panel over an engine that finds no model (the places looked at run over many lines). */
    private StudioPanel firstRunPanel() throws Exception {
        engine.modelMissing = new java.io.IOException("No complete Z-Image-Turbo model found. Looked in:\n"
                + "  /home/u/Fiji.app/models: no folder\n".repeat(12));
        panel = onEdt(() -> new StudioPanel(engine));
        settle();
        return panel;
    }

    /** Lets the worker and the event thread catch up, while the panel may still be busy (a download runs). */
    private void catchUp() throws Exception {
        panel.awaitWorker();
        onEdt(() -> {});
        onEdt(() -> {});
    }

    @Test
    void withoutAModelThePanelSaysSoInOneLineAndOffersToChooseOrDownloadIt() throws Exception {
        StudioPanel p = firstRunPanel();
        assertTrue(onEdt(p::offersModelChoice));
        assertEquals("No model found: choose its folder, or download it.", onEdt(p::modelStatusText));

        onEdt(() -> p.useModelFolder(java.nio.file.Path.of("/data/empty")));
        settle();
        assertEquals("Model folder: /data/empty holds no Z-Image-Turbo model: transformer/ is missing.",
                onEdt(p::problemText));
        assertTrue(onEdt(p::offersModelChoice), "still no model: the choice stays");

        onEdt(() -> p.useModelFolder(java.nio.file.Path.of("/data/Z-Image-Turbo")));
        settle();
        assertFalse(onEdt(p::offersModelChoice));
        assertEquals("Model (loads on first Generate): Z-Image-Turbo (Hugging Face folder) at /data/Z-Image-Turbo",
                onEdt(p::modelStatusText));
        assertEquals("", onEdt(p::problemText));
        assertEquals(List.of(java.nio.file.Path.of("/data/Z-Image-Turbo")), engine.modelFolders);
    }

    @Test
    void aDownloadFromThePanelShowsProgressAndCancelStopsItKeepingWhatArrived() throws Exception {
        StudioPanel p = firstRunPanel();
        onEdt(() -> p.startDownload(java.nio.file.Path.of("/hub")));
        assertTrue(engine.downloadStarted.await(10, TimeUnit.SECONDS));
        catchUp();
        assertTrue(onEdt(p::isBusy), "Generate waits while the model downloads");
        assertTrue(onEdt(p::progressLine).startsWith("Downloading: 50%"), onEdt(p::progressLine));
        onEdt(p::cancel);
        for (int i = 0; i < 200 && onEdt(p::isBusy); i++) {
            Thread.sleep(20);
        }
        settle();
        assertFalse(onEdt(p::isBusy));
        assertEquals("Download cancelled; what arrived is kept for the next one.", onEdt(p::progressLine));
        assertTrue(onEdt(p::offersModelChoice), "still no model");
        assertFalse(engine.callsOnEdt.contains("downloadModel") || engine.callsOnEdt.contains("cancelDownload"),
                "the engine is never called on the event thread");
    }

    @Test
    void aFinishedDownloadShowsTheModel() throws Exception {
        StudioPanel p = firstRunPanel();
        onEdt(() -> p.startDownload(java.nio.file.Path.of("/hub")));
        assertTrue(engine.downloadStarted.await(10, TimeUnit.SECONDS));
        engine.downloadMayFinish.countDown();
        for (int i = 0; i < 200 && onEdt(p::isBusy); i++) {
            Thread.sleep(20);
        }
        settle();
        assertEquals("Downloaded Tongyi-MAI/Z-Image-Turbo into /hub.", onEdt(p::progressLine));
        assertFalse(onEdt(p::offersModelChoice));
        assertEquals("Model not loaded yet: tiny", onEdt(p::modelStatusText));
    }

    @Test
    void theNegativePromptIsOnlyEditableWithGuidanceAboveZero() throws Exception {
        assertFalse(onEdt(() -> panel.tuning().negativeEnabled()), "guidance 0 (the Turbo default) reads no negative");
        onEdt(() -> panel.tuning().restore(new PanelSettings("fox", "blurry", List.of(), 8, 2.0, false, "",
                "1024 x 1024", null, null)));
        assertTrue(onEdt(() -> panel.tuning().negativeEnabled()));
        onEdt(() -> panel.tuning().restore(new PanelSettings("fox", "blurry", List.of(), 8, 0.0, false, "",
                "1024 x 1024", null, null)));
        assertFalse(onEdt(() -> panel.tuning().negativeEnabled()));
        assertEquals("blurry", onEdt(() -> panel.tuning().negativePrompt()), "kept for when guidance returns");
    }

    @Test
    void theHistoryWithThumbnailsSurvivesARestartAndAClickRestoresEverySetting(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path historyFolder) throws Exception {
        panel = onEdt(() -> new StudioPanel(engine, 5, historyFolder));
        settle();
        onEdt(() -> {
            panel.promptBox().setText("a lighthouse at dusk");
            panel.tuning().restore(new PanelSettings("", "", List.of(), 6, 0, true, "1234", "1248 x 832", null,
                    null));
        });
        pressCtrlEnter();
        GenerationRequest made = engine.submitted.get(0).withResolvedSeed(new SplittableRandom(7));

        StudioPanel restarted = onEdt(() -> new StudioPanel(engine, 5, historyFolder));
        assertEquals(1, onEdt(() -> restarted.history().records().size()));
        assertTrue(onEdt(() -> restarted.history().hasThumbnail(0)));
        onEdt(() -> restarted.history().restoreAt(0));
        assertEquals(made, onEdt(() -> restarted.settings().toRequest()), "the restored controls make it again");
    }

    @Test
    void loraFilesAreListedWithFormatAndRankAndAFileTheModelWouldRefuseIsMarkedBeforeGenerate() throws Exception {
        LoraChooser chooser = onEdt(() -> panel.loraChooser());
        onEdt(() -> chooser.setLoras(List.of(lora("ink-style", null),
                lora("flux-style", "made for FLUX (keys double_blocks.*), not Z-Image-Turbo"))));
        String ink = onEdt(() -> chooser.summary("ink-style"));
        assertTrue(ink.startsWith("ink-style (") && ink.contains("rank 4") && ink.contains("30 modules"), ink);
        assertNull(onEdt(() -> chooser.refusal("ink-style")));
        assertEquals("made for FLUX (keys double_blocks.*), not Z-Image-Turbo", onEdt(() -> chooser.refusal(
                "flux-style")));
        onEdt(() -> chooser.pick(0, "flux-style"));
        assertEquals("flux-style would be refused: made for FLUX (keys double_blocks.*), not Z-Image-Turbo",
                onEdt(panel::problemText));
        onEdt(() -> chooser.pick(0, "ink-style"));
        assertEquals("", onEdt(panel::problemText), "a usable pick clears the note");
    }

    @Test
    void aBatchMakesOneImagePerConsecutiveSeedAsOneStackWhenAsked() throws Exception {
        onEdt(() -> {
            panel.promptBox().setText("fox");
            panel.tuning().restore(new PanelSettings("", "", List.of(), 8, 0, true, "100", "1024 x 1024", null,
                    null));
            panel.setBatch(3, true);
        });
        pressCtrlEnter();
        for (int i = 0; i < 3; i++) {
            catchUp();
        }
        assertEquals(List.of(100L, 101L, 102L), engine.submitted.stream().map(GenerationRequest::seed).toList());
        ImagePlus stack = onEdt(panel::lastImage);
        assertEquals(3, stack.getStackSize());
        assertEquals(List.of("seed 100", "seed 101", "seed 102"), List.of(stack.getStack().getSliceLabel(1),
                stack.getStack().getSliceLabel(2), stack.getStack().getSliceLabel(3)));
        assertEquals("made (3 seeds)", stack.getTitle());
        assertEquals(List.of(102L, 101L, 100L), onEdt(() -> panel.history().records()).stream()
                .map(r -> r.request().seed()).toList(), "each image is in the history, to be made again alone");
    }

    @Test
    void aBatchDrawsARandomSeedOnceAndCountsOnFromIt() {
        GenerationRequest random = GenerationRequest.builder("fox").randomSeed().build();
        List<GenerationRequest> three = StudioPanel.batch(random, 3, new SplittableRandom(1));
        long s = three.get(0).seed();
        assertEquals(List.of(s, s + 1, s + 2), three.stream().map(GenerationRequest::seed).toList());
        assertEquals(List.of(random), StudioPanel.batch(random, 1, new SplittableRandom(1)), "one image: as asked");
        GenerationRequest top = GenerationRequest.builder("fox").seed(-1L).build(); // 2^64 - 1, unsigned
        assertEquals(List.of(-1L, 0L), StudioPanel.batch(top, 2, new SplittableRandom(1)).stream()
                .map(GenerationRequest::seed).toList(), "seeds wrap as unsigned 64-bit numbers");
    }

    @Test
    void thePanelFitsA900PixelScreenWithTheSettingsOpenAndAFullHistory(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path historyFolder) throws Exception {
        GenerationHistory full = new GenerationHistory(GenerationHistory.DEFAULT_CAPACITY, historyFolder);
        for (long seed = 0; seed < GenerationHistory.DEFAULT_CAPACITY; seed++) {
            full.add(PanelSettingsTest.record(GenerationRequest.builder("fox").seed(seed).build()),
                    new java.awt.image.BufferedImage(1024, 1024, java.awt.image.BufferedImage.TYPE_INT_RGB));
        }
        panel = onEdt(() -> new StudioPanel(engine, GenerationHistory.DEFAULT_CAPACITY, historyFolder));
        settle();
        onEdt(() -> panel.tuning().unfold(true));
        int height = onEdt(() -> panel.getPreferredSize().height);
        // a 900 px screen less a title bar and a desktop bar: about 820 px for the content (beside the ImageJ
        // window when there is no room below it)
        assertTrue(height <= 820, "the panel wants " + height + " px");
        int[] widths = onEdt(() -> panel.buttonRowWidths());
        assertTrue(widths[0] <= widths[1], "Generate, the batch, Cancel and Save fit in one row: " + widths[0]
                + " of " + widths[1] + " px");
    }

    @Test
    void aCancelPressedBeforeTheEngineHandsOverTheJobStopsItWhenTheJobArrives() throws Exception {
        engine.handleGate = new CountDownLatch(1);
        engine.runsUntilCancelled = true;
        onEdt(() -> panel.promptBox().setText("fox"));
        onEdt(panel::generate);
        assertTrue(engine.inSubmit.await(10, TimeUnit.SECONDS), "Generate never reached the engine");
        onEdt(panel::cancel);
        assertEquals("Cancelling…", onEdt(() -> panel.progress().line()));
        assertFalse(engine.calls.contains("cancel"), "there was no job to cancel yet");

        engine.handleGate.countDown();
        settle(); // a dropped cancel leaves the job running for good: settle then fails, still busy
        assertEquals(1, Collections.frequency(engine.calls, "cancel"));
        assertEquals("Cancelled.", onEdt(() -> panel.progress().line()));
        assertEquals(0, onEdt(() -> panel.history().records().size()));
        assertEquals("", onEdt(panel::problemText));

        engine.handleGate = null;
        engine.runsUntilCancelled = false;
        pressCtrlEnter();
        assertEquals(1, onEdt(() -> panel.history().records().size()), "the next Generate runs to its end");
        assertEquals(1, Collections.frequency(engine.calls, "cancel"), "the old cancel reached the next job");
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    @Test
    void aCancelAfterTheJobArrivedStopsTheRunningGeneration() throws Exception {
        engine.runsUntilCancelled = true;
        onEdt(() -> panel.promptBox().setText("fox"));
        onEdt(panel::generate);
        panel.awaitWorker(); // submitted; the handle's hand-over to the EDT is queued
        onEdt(() -> {});
        assertTrue(onEdt(panel::isBusy));
        onEdt(panel::cancel);
        settle();
        assertEquals(1, Collections.frequency(engine.calls, "cancel"));
        assertEquals("Cancelled.", onEdt(() -> panel.progress().line()));
        assertEquals(List.of(), engine.callsOnEdt, "engine calls on the EDT");
    }

    @Test
    void fileNamesGetTheChosenExtensionUnlessTheyHaveOne() {
        assertEquals(Path.of("/x/fox.png"), StudioPanel.withExtension(Path.of("/x/fox"), ".png"));
        assertEquals(Path.of("/x/fox.TIF"), StudioPanel.withExtension(Path.of("/x/fox.TIF"), ".png"));
        assertEquals(Path.of("/x/fox.v2.tif"), StudioPanel.withExtension(Path.of("/x/fox.v2"), ".tif"));
    }
}
