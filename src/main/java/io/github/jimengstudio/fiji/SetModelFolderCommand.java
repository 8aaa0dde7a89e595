package io.github.jimengstudio.fiji;

import java.io.File;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Set Model Folder...: uses the Z-Image-Turbo model in a folder of the user's choice (a
 * Hugging Face folder, a Hugging Face cache, or a ComfyUI models folder), remembered across sessions. The folder is
 * checked first: one that holds no complete model is refused with what it lacks, and the previous choice stays.
 * Empty: search the usual places again. Macro: {@code run("Set Model Folder...", "folder=[/data/Z-Image-Turbo]")}.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Set Model Folder...")
public class SetModelFolderCommand extends JimengCommand {

    @Parameter(label = "Model folder", style = "directory", required = false,
            description = "A Hugging Face folder or cache, or a ComfyUI models folder. Empty: search the usual places.")
    private File folder;

    @Parameter(type = ItemIO.OUTPUT, label = "Model")
    private String model;

    @Override
    protected void execute() throws Exception {
        if (folder == null || folder.getPath().isBlank()) {
            jimeng.setModelFolder(null);
            model = "No model folder chosen: searching $JIMENG_MODEL, Fiji's models/ folder, the Hugging Face caches "
                    + "and ComfyUI folders.";
        } else {
            model = jimeng.useModelFolder(folder.toPath()).describe();
        }
        log.info("Jimeng Studio: " + model);
    }
}
