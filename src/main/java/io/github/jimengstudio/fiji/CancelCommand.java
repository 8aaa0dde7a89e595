package io.github.jimengstudio.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Plugins › Jimeng Studio › Cancel: stops the running generation, drops the queued ones and stops a download. */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Cancel")
public class CancelCommand extends JimengCommand {
    @Override
    protected void execute() {
        jimeng.cancelAll();
    }
}
