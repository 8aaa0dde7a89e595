package io.github.jimengstudio.fiji;

import ij.IJ;
import ij.Macro;
import ij.macro.Interpreter;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import org.scijava.command.ContextCommand;
import org.scijava.module.Module;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.ui.UIService;

/**
 * What every Jimeng Studio command shares: the service, and one way to report a problem. Nothing a command throws
 * escapes, not even an {@link Error} (Fiji must survive an out-of-memory or a stack overflow, and a stack trace is
 * no message): the command is cancelled with the message, which is logged once. Run from an ImageJ 1.x macro, a
 * failure stops the macro with ImageJ's usual macro error (so a headless batch job ends instead of going on without
 * its image); otherwise, with a user interface, a dialog shows a short summary and the details on request.
 */
abstract class JimengCommand extends ContextCommand {
    static final String MENU = "Plugins>Jimeng Studio>";

    @Parameter
    protected JimengService jimeng;

    @Parameter
    protected LogService log;

    @Parameter(required = false)
    protected UIService ui;

    @Override
    public final void run() {
        try {
            execute();
        } catch (GenerationCancelledException e) {
            log.info("Jimeng Studio: " + e.getMessage());
            cancel(e.getMessage());
            stopMacro(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("Jimeng Studio: interrupted.");
            stopMacro(null);
        } catch (Throwable e) {
            fail(e);
        }
    }

    /** True when {@code module} is one of these commands, run from an ImageJ 1.x macro. */
    static boolean runsInMacro(Module module) {
        return module.getDelegateObject() instanceof JimengCommand && IJ.isMacro();
    }

    /** The command's work; anything it throws becomes a clear message. */
    protected abstract void execute() throws Exception;

    private void fail(Throwable e) {
        ErrorReport report = ErrorReport.of(e);
        if (!jimeng.wasReported(e)) {
            log.error("Jimeng Studio: " + report.details());
        }
        cancel(ErrorReport.messageOf(e));
        if (!stopMacro(report)) {
            if (ui != null && !ui.isHeadless()) {
                report.showDialog(null, "Jimeng Studio");
            }
        }
    }

    /**
     * Stops the ImageJ 1.x macro that runs this command, if any: with the macro error {@code report} (ImageJ's own
     * error, a dialog in the GUI, a message and the end of the run headless), or silently after a cancel. Returns
     * false outside a macro.
     */
    private static boolean stopMacro(ErrorReport report) {
        if (!IJ.isMacro()) {
            return false;
        }
        Interpreter interpreter = Interpreter.getInstance();
        if (interpreter == null) {
            return false;
        }
        try {
            if (report == null) {
                interpreter.abortMacro();
            } else {
                interpreter.abort("Jimeng Studio: " + report.wrappedSummary());
            }
        } catch (RuntimeException e) {
            // ImageJ ends the macro by throwing this through the current thread, which is ours, not the macro's
            if (!Macro.MACRO_CANCELED.equals(e.getMessage())) {
                throw e;
            }
        }
        return true;
    }
}
