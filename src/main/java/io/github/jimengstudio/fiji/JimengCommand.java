package io.github.jimengstudio.fiji;

import io.github.jimengstudio.pipeline.GenerationCancelledException;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.ui.DialogPrompt;
import org.scijava.ui.UIService;

/**
 * What every Jimeng Studio command shares: the service, and one way to report a problem. A failure never escapes as
 * an exception (it would take a macro's stack trace into the user's face); the command is cancelled with the
 * message, which is logged and, with a user interface, shown in a dialog.
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("Jimeng Studio: interrupted.");
        } catch (Exception e) {
            fail(e);
        }
    }

    /** The command's work; any exception becomes a clear message. */
    protected abstract void execute() throws Exception;

    private void fail(Exception e) {
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        log.error("Jimeng Studio: " + message);
        if (ui != null && !ui.isHeadless()) {
            ui.showDialog(message, "Jimeng Studio", DialogPrompt.MessageType.ERROR_MESSAGE);
        }
        cancel(message);
    }
}
