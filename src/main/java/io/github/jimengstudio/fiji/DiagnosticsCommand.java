package io.github.jimengstudio.fiji;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** Plugins › Jimeng Studio › Diagnostics: version, engine, device, libtorch, memory, model and LoRA folder. */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Diagnostics")
public class DiagnosticsCommand extends JimengCommand {

    @Parameter(type = ItemIO.OUTPUT, label = "Diagnostics")
    private String report;

    @Override
    protected void execute() throws Exception {
        report = jimeng.diagnostics();
        log.info("Jimeng Studio diagnostics:\n" + report);
    }
}
