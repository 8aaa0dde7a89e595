package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.DownloadPlan;
import io.github.jimengstudio.pipeline.download.DownloadProgress;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress on a terminal: a line per stage and, while denoising, a bar redrawn in place with the step time and the
 * time left; while encoding and decoding, a bar with the share done and where the stage is (e.g. the tile). When the
 * output is not a terminal (a log file, CI), each step gets its own line instead, and the other stages a line per
 * quarter. A download gets the same bar (bytes, rate, time left, files), or a line per tenth in a log.
 */
final class TerminalProgress implements ProgressListener, DownloadListener {
    /** Where {@code --quiet} sends progress. */
    static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean interactive;
    private boolean barOpen;
    private int barLength;
    private int quartersShown;
    private int tenthsShown;

    TerminalProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void stage(Stage stage) {
        closeBar();
        quartersShown = 0;
        if (stage != Stage.DENOISING) {
            out.println(capitalised(stage.label()) + " ...");
        }
        out.flush();
    }

    @Override
    public void step(int step, int steps, Duration elapsed, Duration eta) {
        double perStep = elapsed.toMillis() / 1000.0 / step;
        String stats = String.format(Locale.ROOT, "%d/%d  %.2f s/step  %s left", step, steps, perStep,
                seconds(eta));
        if (interactive) {
            int filled = (int) Math.round((double) BAR_WIDTH * step / steps);
            drawBar("Denoising [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + stats);
        } else {
            out.println("Denoising step " + stats);
        }
        out.flush();
    }

    @Override
    public void stageProgress(Stage stage, double fraction, String detail) {
        int percent = (int) Math.floor(100 * fraction);
        String where = detail.isEmpty() ? "" : "  " + detail;
        if (interactive) {
            int filled = (int) Math.floor(BAR_WIDTH * fraction);
            drawBar(capitalised(stage.label()) + " [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] "
                    + String.format(Locale.ROOT, "%3d%%", percent) + where);
        } else if (percent / 25 > quartersShown) {
            quartersShown = percent / 25;
            out.println(capitalised(stage.label()) + " " + percent + "%" + where);
        }
        out.flush();
    }

    @Override
    public synchronized void planned(DownloadPlan plan) {
        closeBar();
        out.println(plan.describe());
        tenthsShown = (int) Math.floor(10.0 * plan.presentBytes() / Math.max(1, plan.totalBytes()));
        out.flush();
    }

    @Override
    public synchronized void progress(DownloadProgress p) {
        if (interactive) {
            int filled = (int) Math.floor(BAR_WIDTH * p.fraction());
            drawBar("Downloading [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + p.describe());
        } else if ((int) Math.floor(10 * p.fraction()) > tenthsShown) {
            tenthsShown = (int) Math.floor(10 * p.fraction());
            out.println("Downloading " + p.describe());
        }
        out.flush();
    }

    /** Ends a bar still open, so that what is printed next starts on its own line. */
    synchronized void close() {
        closeBar();
        out.flush();
    }

    /** Redraws the bar line in place, blanking what a longer previous line left. */
    private void drawBar(String line) {
        out.print("\r" + line + " ".repeat(Math.max(3, barLength - line.length() + 3)));
        barLength = line.length();
        barOpen = true;
    }

    @Override
    public void warning(String message) {
        closeBar();
        out.println("Warning: " + message);
        out.flush();
    }

    @Override
    public void cancelled(String message) {
        closeBar(); // the command line prints the message itself
        out.flush();
    }

    @Override
    public void failed(Throwable error) {
        closeBar();
        out.flush();
    }

    @Override
    public void finished(GeneratedImage image) {
        closeBar();
        out.flush();
    }

    private void closeBar() {
        if (barOpen) {
            out.println();
            barOpen = false;
            barLength = 0;
        }
    }

    static String seconds(Duration d) {
        double s = d.toMillis() / 1000.0;
        return s < 10 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%d s", Math.round(s));
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
