package io.github.jimengstudio.fiji;

import io.github.jimengstudio.lora.LoraInfo;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/** Plugins › Jimeng Studio › Refresh LoRAs: scans the LoRA folder again and lists what is there. */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Refresh LoRAs")
public class RefreshLorasCommand extends JimengCommand {

    @Parameter(type = ItemIO.OUTPUT, label = "LoRAs")
    private String loras;

    @Override
    protected void execute() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (LoraInfo info : jimeng.refreshLoras()) {
            sb.append(info.summary()).append('\n');
        }
        loras = sb.length() == 0 ? "No LoRAs in " + jimeng.loraFolder() : sb.toString();
        log.info(loras);
    }
}
