package io.github.jimengstudio.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/** Plugins › Jimeng Studio › Unload Model: frees the model's memory after the queued generations. */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Unload Model")
public class UnloadModelCommand extends JimengCommand {
    @Override
    protected void execute() throws Exception {
        jimeng.unload();
    }
}
