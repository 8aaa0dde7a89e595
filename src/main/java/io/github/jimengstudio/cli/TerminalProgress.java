package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.Stage;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress on a terminal: a line per stage and, while denoising, a bar redrawn in place with the step time and the
 * time left. When the output is not a terminal (a log file, CI), each step gets its own line instead.
 */
final class TerminalProgress implements ProgressListener {
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean interactive;
    private boolean barOpen;

    TerminalProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void stage(Stage stage) {
        closeBar();
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
            out.print("\rDenoising [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + stats + "   ");
            barOpen = true;
        } else {
            out.println("Denoising step " + stats);
        }
        out.flush();
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
