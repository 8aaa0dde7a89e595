package io.github.jimengstudio.fiji;

import ij.ImagePlus;
import io.github.jimengstudio.pipeline.GenerationRequest;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Regenerate from Image: makes the active image again from its provenance (the same
 * pixels), or a variation with a new random seed. Works on images made in this session, reopened TIFFs and PNGs
 * saved with provenance. It asks for the memory mode and precision the image was made with: a seed gives the same
 * pixels only in the same precision.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Regenerate from Image")
public class RegenerateCommand extends JimengCommand {

    @Parameter(label = "Image")
    private ImagePlus image;

    // Not remembered: a variation chosen once must not turn the next plain Regenerate into one.
    @Parameter(label = "New seed", persist = false, description = "Off: the same picture again. On: a variation.")
    private boolean new_seed;

    @Parameter(type = ItemIO.OUTPUT)
    private ImagePlus regenerated;

    @Override
    protected void execute() throws Exception {
        GenerationRequest request = jimeng.requestOf(image);
        if (new_seed) {
            request = request.toBuilder().randomSeed().build();
        }
        regenerated = jimeng.toImagePlus(jimeng.generate(request));
    }
}
