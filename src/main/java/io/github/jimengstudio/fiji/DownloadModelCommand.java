package io.github.jimengstudio.fiji;

import io.github.jimengstudio.pipeline.ModelLocator;
import java.io.File;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Download Model: fetches Z-Image-Turbo (about 33 GB) from Hugging Face into the hub
 * cache, with progress in the status bar; Plugins › Jimeng Studio › Cancel stops it, and the next run continues
 * where it stopped.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Download Model...")
public class DownloadModelCommand extends JimengCommand {

    @Parameter(label = "Repository")
    private String repo = ModelLocator.ZIMAGE_REPO;

    @Parameter(label = "Revision")
    private String revision = "main";

    @Parameter(label = "Hugging Face cache folder", style = "directory", required = false,
            description = "Empty: your usual Hugging Face cache, which is searched for the model anyway.")
    private File folder;

    @Parameter(type = ItemIO.OUTPUT, label = "Download")
    private String result;

    @Override
    protected void execute() throws Exception {
        result = jimeng.downloadModel(repo, revision, folder == null ? null : folder.toPath()).describe();
    }
}
