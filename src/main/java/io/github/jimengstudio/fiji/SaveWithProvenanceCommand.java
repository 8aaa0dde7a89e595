package io.github.jimengstudio.fiji;

import ij.ImagePlus;
import java.io.File;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Save with Provenance: PNG (A1111 {@code parameters}, JSON record, XMP AI flag) or TIFF
 * (ImageJ Info and properties), chosen by the file's extension.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Save with Provenance...")
public class SaveWithProvenanceCommand extends JimengCommand {

    @Parameter(label = "Image")
    private ImagePlus image;

    @Parameter(label = "File (.png or .tif)", style = "save")
    private File file;

    @Override
    protected void execute() throws Exception {
        jimeng.save(image, file.toPath());
    }
}
