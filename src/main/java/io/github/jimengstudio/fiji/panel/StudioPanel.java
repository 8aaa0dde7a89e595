package io.github.jimengstudio.fiji.panel;

import ij.ImagePlus;
import ij.ImageStack;
import io.github.jimengstudio.fiji.ErrorReport;
import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.PreviewImage;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.download.DownloadCancelledException;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.DownloadProgress;
import io.github.jimengstudio.pipeline.download.FreeSpace;
import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.FlowLayout;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.swing.BorderFactory;
import javax.swing.BoxLayout;
import javax.swing.JButton;
import javax.swing.JCheckBox;
import javax.swing.JFileChooser;
import javax.swing.JLabel;
import javax.swing.JOptionPane;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;
import javax.swing.SwingUtilities;
import javax.swing.filechooser.FileNameExtensionFilter;

/**
 * The Studio panel (DESIGN §6): model status, the LoRAs (one row each, with its strength), the prompt, the settings
 * fold-out, Generate / Cancel / Save, progress with a live preview, and the history of recent generations.
 *
 * <p>Threads: the panel lives on the EDT. Everything that touches the engine (submitting, LoRA scans, the model
 * status, saving) runs on the panel's own worker thread; the generation reports on the engine's thread; both hand
 * their results back with {@code invokeLater}. So the EDT never waits on the engine, and a slow disk or a long
 * queue never freezes Fiji.
 */
public final class StudioPanel extends JPanel {
    private static final Color PROBLEM = new Color(0xB00020);
    /** Wide enough for the controls; long texts (paths, prompts) are cut with "…" and shown in full as tooltips. */
    private static final int WIDTH = 440;

    private final StudioEngine engine;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jimeng-panel");
        t.setDaemon(true);
        return t;
    });

    private final JLabel modelStatus = new JLabel("Model: …");
    /** Shown while no model is found: the two ways to get one, without a terminal. */
    private final JPanel firstRun = new JPanel(new FlowLayout(FlowLayout.LEADING, 4, 0));
    private final JButton chooseModelButton = new JButton("Choose Model Folder…");
    private final JButton downloadModelButton = new JButton("Download Model…");
    /** EDT only. A model download runs (on its own thread); Cancel stops it. */
    private boolean downloading;
    private final LoraChooser lora = new LoraChooser(this::fitWindow, this::loraChosen);
    private final PromptBox prompt = new PromptBox(this::generate);
    private final TuningPanel tuning = new TuningPanel(this::fitWindow);
    private final JButton generateButton = new JButton("Generate");
    private final JButton cancelButton = new JButton("Cancel");
    private final JButton saveButton = new JButton("Save…");
    /** How many images one Generate makes (seeds s, s+1, …), and whether they become one stack. */
    private final JSpinner count = new JSpinner(new SpinnerNumberModel(1, 1, MAX_BATCH, 1));
    private final JCheckBox asStack = new JCheckBox("stack");
    /** EDT only. The requests of the running batch still to submit, and its images when they become a stack. */
    private final Deque<GenerationRequest> batchRemaining = new ArrayDeque<>();
    private final List<ImagePlus> batchImages = new ArrayList<>();
    private boolean batchStack;
    private final JLabel problem = new JLabel(" ");
    private final ProgressView progress = new ProgressView();
    private final HistoryList history;

    /** EDT only. The job of the running generation; null until the engine has handed it over. */
    private StudioEngine.Job running;
    /**
     * EDT only. Cancel was pressed before the job arrived: cancel it as soon as it does. Only set while busy and
     * cleared by {@code ended}, so it never reaches the job of a later Generate.
     */
    private boolean cancelPending;
    private boolean busy;
    /** The last image this panel made, for Save. EDT only. */
    private ImagePlus lastImage;

    /** A panel whose history lives in memory only. */
    public StudioPanel(StudioEngine engine) {
        this(engine, GenerationHistory.DEFAULT_CAPACITY, null);
    }

    StudioPanel(StudioEngine engine, int historySize) {
        this(engine, historySize, null);
    }

    /** A panel whose history is kept in {@code historyFolder} (null: in memory), so it survives restarts. */
    public StudioPanel(StudioEngine engine, int historySize, Path historyFolder) {
        super(new BorderLayout(0, 6));
        this.engine = engine;
        this.history = new HistoryList(new GenerationHistory(historySize, historyFolder), this::restore);
        setBorder(BorderFactory.createEmptyBorder(8, 8, 8, 8));

        generateButton.setName("generate");
        generateButton.setToolTipText("Generate (Ctrl+Enter in the prompt)");
        generateButton.addActionListener(e -> generate());
        cancelButton.addActionListener(e -> cancel());
        saveButton.setToolTipText("Save the last image as PNG or TIFF with how it was made");
        saveButton.addActionListener(e -> save());
        lora.refresh.addActionListener(e -> refreshLoras());
        problem.setForeground(PROBLEM);
        chooseModelButton.setToolTipText("A Hugging Face folder or cache, or a ComfyUI models folder");
        chooseModelButton.addActionListener(e -> chooseModelFolder());
        downloadModelButton.setToolTipText("Z-Image-Turbo from Hugging Face, about 33 GB, resumable");
        downloadModelButton.addActionListener(e -> downloadModel());
        firstRun.add(chooseModelButton);
        firstRun.add(downloadModelButton);
        firstRun.setVisible(false);

        JPanel top = new JPanel();
        top.setLayout(new BoxLayout(top, BoxLayout.Y_AXIS));
        // the prompt first: it is what people come to type; the LoRA and settings qualify it
        for (JPanel row : List.of(row(modelStatus), row(firstRun), row(prompt), row(lora), row(tuning), buttonRow,
                row(problem))) {
            top.add(row);
        }
        JPanel bottom = new JPanel(new BorderLayout(0, 6));
        bottom.add(progress, BorderLayout.CENTER);
        history.setBorder(BorderFactory.createTitledBorder("History (click to restore)"));
        bottom.add(history, BorderLayout.SOUTH);
        add(top, BorderLayout.NORTH);
        add(bottom, BorderLayout.CENTER);
        setBusy(false);
        saveButton.setEnabled(false);

        onWorker(() -> {
            List<LoraInfo> found = engine.loras();
            SwingUtilities.invokeLater(() -> lora.setLoras(found));
            return null;
        }, "LoRAs");
        refreshModelStatus();
    }

    @Override
    public java.awt.Dimension getPreferredSize() {
        java.awt.Dimension d = super.getPreferredSize();
        return new java.awt.Dimension(WIDTH, d.height);
    }

    /** The first line of a multi-line status, with the whole text as its tooltip. */
    private void setModelStatus(String text, Color color) {
        int nl = text.indexOf('\n');
        modelStatus.setText(nl < 0 ? text : text.substring(0, nl));
        modelStatus.setToolTipText("<html><pre>" + escape(text) + "</pre></html>");
        modelStatus.setForeground(color);
    }

    /** A LoRA was picked in a row: one the folder refuses (another model, bad shapes) is named at once, with why. */
    private void loraChosen(String name) {
        String refusal = lora.refusal(name);
        if (refusal != null) {
            showProblem(name + " would be refused: " + refusal);
        } else if (problem.getText().contains(" would be refused: ")) {
            showProblem(null);
        }
    }

    /** After a part grew (a LoRA row added, the settings unfolded): a window too short for it grows to fit. */
    private void fitWindow() {
        java.awt.Window w = SwingUtilities.getWindowAncestor(this);
        if (w != null) {
            int wanted = w.getPreferredSize().height;
            if (w.getHeight() < wanted) {
                w.setSize(w.getWidth(), wanted);
            }
            w.validate();
        }
    }

    private static JPanel row(java.awt.Component c) {
        JPanel p = new JPanel(new BorderLayout());
        p.setBorder(BorderFactory.createEmptyBorder(2, 0, 2, 0));
        p.add(c, BorderLayout.CENTER);
        return p;
    }

    /** The Generate row; it must fit the panel's width, or its last buttons are cut off. */
    private final JPanel buttonRow = buttons();

    private JPanel buttons() {
        JPanel p = new JPanel(new FlowLayout(FlowLayout.LEADING, 4, 2));
        p.add(generateButton);
        count.setName("count");
        ((JSpinner.DefaultEditor) count.getEditor()).getTextField().setColumns(2);
        count.setToolTipText("Images per Generate, with seeds s, s+1, …");
        p.add(new JLabel("×"));
        p.add(count);
        asStack.setToolTipText("Several images as one stack (a slice per seed) instead of separate images");
        p.add(asStack);
        p.add(cancelButton);
        p.add(saveButton);
        return p;
    }

    static final int MAX_BATCH = 16;

    /**
     * The requests of one Generate: {@code n} images with consecutive seeds from the request's (drawn once when it
     * is random), so each one can be made again on its own. Seeds wrap as unsigned 64-bit numbers.
     */
    static List<GenerationRequest> batch(GenerationRequest request, int n, RandomGenerator rng) {
        if (n <= 1) {
            return List.of(request);
        }
        GenerationRequest first = request.withResolvedSeed(rng);
        List<GenerationRequest> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(first.toBuilder().seed(first.seed() + i).build());
        }
        return all;
    }

    // ---- reading and writing the controls (EDT) ----------------------------------------------------------------

    /** The controls' values. @throws io.github.jimengstudio.pipeline.InvalidRequestException for unreadable text */
    PanelSettings settings() {
        return new PanelSettings(prompt.text(), tuning.negativePrompt(), lora.choices(), tuning.steps(),
                tuning.guidance(), tuning.seedLocked(), tuning.seedText(), tuning.sizeText(), tuning.memoryMode(),
                tuning.precision());
    }

    /**
     * Puts a past generation's settings back (its seed locked, its negative prompt, every LoRA with its strength, its
     * memory mode and precision): Generate then makes it again. A LoRA the folder's list lacks is put back too, and
     * named in the problem line at once rather than only when Generate is refused.
     */
    void restore(GenerationRecord record) {
        PanelSettings s = PanelSettings.of(record);
        prompt.setText(s.prompt());
        lora.select(s.loras());
        tuning.restore(s);
        List<String> missing = lora.notInFolder(s.loras());
        showProblem(missing.isEmpty() ? null : "Not in the LoRA folder: " + String.join(", ", missing) + ". Put it "
                + "back and press ↻, or set its row to None; Generate refuses it as it is.");
    }

    // ---- actions (EDT) -----------------------------------------------------------------------------------------

    /** Generate / Ctrl+Enter: builds the request from the controls and hands it to the worker. */
    void generate() {
        if (busy) {
            return;
        }
        GenerationRequest request;
        try {
            request = settings().toRequest();
        } catch (IllegalArgumentException e) {
            showProblem(e.getMessage());
            return;
        }
        showProblem(null);
        setBusy(true);
        progress.started();
        List<GenerationRequest> all = batch(request, (Integer) count.getValue(), new SplittableRandom());
        batchRemaining.clear();
        batchRemaining.addAll(all.subList(1, all.size()));
        batchImages.clear();
        batchStack = all.size() > 1 && asStack.isSelected();
        submit(all.get(0));
    }

    private void submit(GenerationRequest request) {
        worker.execute(() -> {
            try {
                StudioEngine.Job job = engine.submit(request, new ToSwing());
                SwingUtilities.invokeLater(() -> jobArrived(job));
                job.result().whenComplete((image, error) -> SwingUtilities.invokeLater(() -> ended(image, error)));
            } catch (Throwable e) { // an Error too: the panel must not stay busy with nothing running
                SwingUtilities.invokeLater(() -> ended(null, e));
            }
        });
    }

    /**
     * Cancel: stops the running generation. Pressed before the engine has handed over the job (submitting can
     * take a moment), it is remembered and applied when the job arrives, so the generation never runs to its end.
     */
    void cancel() {
        if (!busy) {
            return;
        }
        batchRemaining.clear();
        if (downloading) {
            progress.ended("Cancelling the download…");
            Thread t = new Thread(engine::cancelDownload, "jimeng-panel-cancel");
            t.setDaemon(true);
            t.start();
            return;
        }
        progress.ended("Cancelling…");
        if (running != null) {
            StudioEngine.Job job = running;
            worker.execute(job::cancel);
        } else {
            cancelPending = true;
        }
    }

    /** The engine's handle on the generation started by the last Generate (queued before its completion). */
    private void jobArrived(StudioEngine.Job job) {
        running = job;
        if (cancelPending) {
            cancelPending = false;
            worker.execute(job::cancel);
        }
    }

    private void ended(GeneratedImage image, Throwable error) {
        running = null;
        boolean more = error == null && !cancelPending && !batchRemaining.isEmpty();
        cancelPending = false;
        if (!more) {
            setBusy(false);
        }
        if (error != null) {
            batchRemaining.clear();
            showStack();
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof GenerationCancelledException) {
                progress.ended("Cancelled.");
            } else {
                progress.ended("Failed.");
                showProblem(ErrorReport.messageOf(cause));
            }
            return;
        }
        GenerationRecord record = image.record();
        BufferedImage pixels = ProgressView.toImage(image.width(), image.height(), image.rgb());
        history.add(record, pixels);
        tuning.showUsedSeed(record.request().seedString());
        progress.finished(image, pixels);
        setModelStatus("Model loaded on " + record.device() + "\n" + record.modelIdentity(), null);
        boolean collect = batchStack;
        onWorker(() -> {
            ImagePlus imp = engine.toImagePlus(image);
            SwingUtilities.invokeLater(() -> {
                if (collect) {
                    batchImages.add(imp);
                } else {
                    lastImage = imp;
                    saveButton.setEnabled(true);
                    if (!GraphicsEnvironment.isHeadless()) {
                        imp.show();
                    }
                }
            });
            return null;
        }, "showing the image");
        if (more) {
            progress.started();
            submit(batchRemaining.removeFirst());
        } else {
            showStack();
        }
    }

    /**
     * The images of a stacked batch so far as one stack, a slice per seed labelled with it, in order (after the
     * worker has made each image: this goes through the same worker, behind them).
     */
    private void showStack() {
        if (!batchStack) {
            return;
        }
        batchStack = false;
        onWorker(() -> {
            SwingUtilities.invokeLater(() -> {
                if (batchImages.isEmpty()) {
                    return;
                }
                ImagePlus first = batchImages.get(0);
                ImageStack stack = new ImageStack(first.getWidth(), first.getHeight());
                StringBuilder info = new StringBuilder();
                for (ImagePlus imp : batchImages) {
                    String seed = String.valueOf(imp.getProp("jimeng.seed"));
                    stack.addSlice("seed " + seed, imp.getProcessor());
                    info.append("--- seed ").append(seed).append(" ---\n").append(imp.getInfoProperty()).append('\n');
                }
                String title = first.getTitle().replaceAll(" \\(seed [^)]*\\)$", "") + " (" + batchImages.size()
                        + " seeds)";
                ImagePlus stacked = new ImagePlus(title, stack);
                stacked.setProperty("Info", info.toString());
                batchImages.clear();
                lastImage = stacked;
                saveButton.setEnabled(false); // each slice's record is in the Info; ImageJ's TIFF keeps it
                if (!GraphicsEnvironment.isHeadless()) {
                    stacked.show();
                }
            });
            return null;
        }, "showing the stack");
    }

    /** How wide the Generate row wants to be, and how wide the panel lets it be (for tests). */
    int[] buttonRowWidths() {
        java.awt.Insets in = getInsets();
        return new int[] {buttonRow.getPreferredSize().width, WIDTH - in.left - in.right};
    }

    /** The last image this panel showed (for tests). */
    ImagePlus lastImage() {
        return lastImage;
    }

    void setBatch(int n, boolean stack) {
        count.setValue(n);
        asStack.setSelected(stack);
    }

    private void save() {
        ImagePlus imp = lastImage;
        if (imp == null) {
            return;
        }
        JFileChooser chooser = new JFileChooser();
        chooser.setDialogTitle("Save with provenance");
        chooser.addChoosableFileFilter(new FileNameExtensionFilter("PNG with parameters (*.png)", "png"));
        chooser.addChoosableFileFilter(new FileNameExtensionFilter("TIFF with ImageJ Info (*.tif)", "tif", "tiff"));
        chooser.setAcceptAllFileFilterUsed(false);
        chooser.setSelectedFile(new File(imp.getTitle().replaceAll("[^\\w\\- ()]+", "_").strip() + ".png"));
        if (chooser.showSaveDialog(this) != JFileChooser.APPROVE_OPTION) {
            return;
        }
        Path file = withExtension(chooser.getSelectedFile().toPath(), chooser.getFileFilter().getDescription()
                .startsWith("TIFF") ? ".tif" : ".png");
        onWorker(() -> {
            engine.save(imp, file);
            SwingUtilities.invokeLater(() -> progress.ended("Saved " + file.getFileName()));
            return null;
        }, "saving");
    }

    /** {@code file} as given when it already ends in .png/.tif/.tiff, else with {@code extension} added. */
    static Path withExtension(Path file, String extension) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png") || name.endsWith(".tif") || name.endsWith(".tiff")) {
            return file;
        }
        return file.resolveSibling(file.getFileName() + extension);
    }

    private void refreshLoras() {
        onWorker(() -> {
            List<LoraInfo> found = engine.refreshLoras();
            SwingUtilities.invokeLater(() -> lora.setLoras(found));
            return null;
        }, "LoRA folder");
    }

    private void refreshModelStatus() {
        onWorker(() -> {
            String status = engine.modelStatus();
            SwingUtilities.invokeLater(() -> modelFound(status));
            return null;
        }, "Model");
    }

    private void modelFound(String status) {
        setModelStatus(status, null);
        firstRun.setVisible(false);
        fitWindow();
    }

    /** No model anywhere: one line (the places looked at in its tooltip) and the two ways to get one. */
    private void noModel(Throwable why) {
        setModelStatus("No model found: choose its folder, or download it.\n" + ErrorReport.messageOf(why), PROBLEM);
        firstRun.setVisible(true);
        fitWindow();
    }

    private void chooseModelFolder() {
        JFileChooser chooser = new JFileChooser();
        chooser.setDialogTitle("Z-Image-Turbo model folder");
        chooser.setFileSelectionMode(JFileChooser.DIRECTORIES_ONLY);
        if (chooser.showOpenDialog(this) == JFileChooser.APPROVE_OPTION) {
            useModelFolder(chooser.getSelectedFile().toPath());
        }
    }

    /** Uses the model in {@code folder} when it holds one; else the problem line says what it lacks. */
    void useModelFolder(Path folder) {
        onWorker(() -> {
            String described = engine.useModelFolder(folder);
            SwingUtilities.invokeLater(() -> {
                showProblem(null);
                modelFound("Model (loads on first Generate): " + described);
            });
            return null;
        }, "Model folder");
    }

    /** Asks where to (the shared Hugging Face cache unless another folder is chosen), then downloads. */
    private void downloadModel() {
        Path target = engine.defaultDownloadFolder();
        Object[] options = {"Download", "Another Folder…", "Cancel"};
        int choice = JOptionPane.showOptionDialog(this, "<html>Download Z-Image-Turbo (about 33 GB) "
                + "from Hugging Face into<br><b>" + escape(target.toString()) + "</b><br>" + freeSpace(target)
                + "<br>An interrupted download continues where it stopped.</html>", "Download Model",
                JOptionPane.DEFAULT_OPTION, JOptionPane.QUESTION_MESSAGE, null, options,
                options[0]);
        if (choice == 1) {
            JFileChooser chooser = new JFileChooser();
            chooser.setDialogTitle("Folder for the model (a Hugging Face cache layout is made in it)");
            chooser.setFileSelectionMode(JFileChooser.DIRECTORIES_ONLY);
            if (chooser.showSaveDialog(this) != JFileChooser.APPROVE_OPTION) {
                return;
            }
            target = chooser.getSelectedFile().toPath();
        } else if (choice != 0) {
            return;
        }
        startDownload(target);
    }

    private static String freeSpace(Path folder) {
        try {
            return String.format(Locale.ROOT, "(%.1f GB free there)", FreeSpace.fileSystem().usableBytes(folder) / 1e9);
        } catch (IOException e) {
            return "";
        }
    }

    /** Downloads into {@code folder} on a thread of its own, with progress below and Cancel. */
    void startDownload(Path folder) {
        if (busy) {
            return;
        }
        downloading = true;
        setBusy(true);
        showProblem(null);
        progress.progress(0, "Starting the download…");
        Thread t = new Thread(() -> {
            Throwable failure = null;
            String summary = null;
            try {
                summary = engine.downloadModel(folder, new DownloadListener() {
                    @Override
                    public void progress(DownloadProgress p) {
                        SwingUtilities.invokeLater(() -> {
                            if (downloading) {
                                progress.progress(p.fraction(), "Downloading: " + p.describe());
                            }
                        });
                    }
                });
            } catch (Throwable e) {
                failure = e;
            }
            Throwable error = failure;
            String done = summary;
            SwingUtilities.invokeLater(() -> downloadEnded(done, error));
        }, "jimeng-panel-download");
        t.setDaemon(true);
        t.start();
    }

    private void downloadEnded(String summary, Throwable error) {
        downloading = false;
        setBusy(false);
        if (error instanceof DownloadCancelledException) {
            progress.ended("Download cancelled; what arrived is kept for the next one.");
        } else if (error != null) {
            progress.ended("Download failed.");
            showProblem(ErrorReport.messageOf(error));
        } else {
            progress.ended(ErrorReport.summarize(summary));
            refreshModelStatus();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private interface Work {
        Void run() throws Exception;
    }

    /** Runs {@code work} on the worker; a failure becomes the inline problem line, prefixed with {@code what}. */
    private void onWorker(Work work, String what) {
        worker.execute(() -> {
            try {
                work.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                String m = what + ": " + ErrorReport.messageOf(e);
                SwingUtilities.invokeLater(() -> {
                    if (what.equals("Model")) {
                        noModel(e);
                    } else {
                        showProblem(m);
                    }
                });
            }
        });
    }

    /**
     * The problem line: a short message whole; a long one (a model search lists every place it looked at) by its
     * first sentence, with the whole text as the line's tooltip, so it never floods the panel.
     */
    private void showProblem(String message) {
        String shown = message == null || (message.length() <= PROBLEM_CHARS && message.indexOf('\n') < 0) ? message
                : ErrorReport.summarize(message);
        problem.setText(shown == null ? " " : "<html>" + escape(shown) + "</html>");
        problem.setToolTipText(shown == null || shown.equals(message) ? null
                : "<html>" + escape(message).replace("\n", "<br>") + "</html>");
    }

    private static final int PROBLEM_CHARS = 200;

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private void setBusy(boolean b) {
        busy = b;
        generateButton.setEnabled(!b);
        cancelButton.setEnabled(b);
        lora.setEnabledWhileIdle(!b);
        tuning.setEnabledWhileIdle(!b);
        chooseModelButton.setEnabled(!b);
        downloadModelButton.setEnabled(!b);
        count.setEnabled(!b);
        asStack.setEnabled(!b);
    }

    /** Whether the first-run buttons (no model found) are shown. */
    boolean offersModelChoice() {
        return firstRun.isVisible();
    }

    String progressLine() {
        return progress.line();
    }

    /** The inline problem line, as plain text (for tests). */
    String problemText() {
        return problem.getText().replaceAll("<[^>]+>", "").strip();
    }

    ProgressView progress() {
        return progress;
    }

    PromptBox promptBox() {
        return prompt;
    }

    TuningPanel tuning() {
        return tuning;
    }

    LoraChooser loraChooser() {
        return lora;
    }

    HistoryList history() {
        return history;
    }

    String modelStatusText() {
        return modelStatus.getText();
    }

    /** True from Generate until the result (or failure) has been handled; read on the EDT. */
    boolean isBusy() {
        return busy;
    }

    /** Waits until the worker has done what was handed to it so far (tests and the screenshot driver). */
    void awaitWorker() throws InterruptedException {
        try {
            worker.submit(() -> null).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the worker; the panel is unusable afterwards. */
    void dispose() {
        worker.shutdownNow();
    }

    /** Hands the generation thread's reports to the EDT; converts previews there-before, off the EDT. */
    private final class ToSwing implements ProgressListener {
        /** Generation thread only. */
        private boolean loading;

        @Override
        public void stage(Stage stage) {
            boolean loaded = loading && stage != Stage.LOADING;
            loading = stage == Stage.LOADING;
            SwingUtilities.invokeLater(() -> {
                progress.stage(stage);
                if (stage == Stage.LOADING) {
                    setModelStatus("Loading the model…", null);
                } else if (loaded) {
                    setModelStatus("Model loaded", null);
                }
            });
        }

        @Override
        public void stageProgress(Stage stage, double fraction, String detail) {
            SwingUtilities.invokeLater(() -> progress.stageProgress(stage, fraction, detail));
        }

        @Override
        public void step(int step, int steps, Duration elapsed, Duration eta) {
            SwingUtilities.invokeLater(() -> progress.step(step, steps, eta));
        }

        @Override
        public void preview(PreviewImage preview) {
            BufferedImage img = ProgressView.toImage(preview);
            SwingUtilities.invokeLater(() -> progress.preview(img));
        }

        @Override
        public void warning(String message) {
            SwingUtilities.invokeLater(() -> showProblem(message));
        }
    }
}
