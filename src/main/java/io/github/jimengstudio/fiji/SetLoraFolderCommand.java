package io.github.jimengstudio.fiji;

import java.io.File;
import java.nio.file.Files;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Set LoRA Folder...: takes LoRAs from a folder of the user's choice (remembered across
 * sessions); the loaded model stays loaded. Empty: Fiji's {@code lora/} folder. A folder that does not exist is
 * refused. Macro: {@code run("Set LoRA Folder...", "folder=[/data/loras]")}.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Set LoRA Folder...")
public class SetLoraFolderCommand extends JimengCommand {

    @Parameter(label = "LoRA folder", style = "directory", required = false,
            description = "A folder of .safetensors LoRAs. Empty: Fiji's lora/ folder.")
    private File folder;

    @Parameter(type = ItemIO.OUTPUT, label = "LoRAs")
    private String loras;

    @Override
    protected void execute() throws Exception {
        if (folder != null && !folder.getPath().isBlank() && !Files.isDirectory(folder.toPath())) {
            throw new IllegalArgumentException("The LoRA folder " + folder + " does not exist (or is not a folder): "
                    + "choose a folder that holds .safetensors LoRAs.");
        }
        jimeng.setLoraFolder(folder == null || folder.getPath().isBlank() ? null : folder.toPath());
        loras = Files.isDirectory(jimeng.loraFolder()) ? jimeng.refreshLoras().size() + " LoRA(s) in "
                + jimeng.loraFolder() : "No LoRA folder at " + jimeng.loraFolder() + " yet: create it for LoRAs.";
        log.info("Jimeng Studio: " + loras);
    }
}
