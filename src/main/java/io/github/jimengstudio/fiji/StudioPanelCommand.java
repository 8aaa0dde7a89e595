package io.github.jimengstudio.fiji;

import io.github.jimengstudio.fiji.panel.StudioWindow;
import java.awt.GraphicsEnvironment;
import org.scijava.command.Command;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Studio Panel: opens (or brings back) the docked Studio window. Headless it refuses with
 * a message pointing to the commands that work there.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Studio Panel")
public class StudioPanelCommand extends JimengCommand {
    @Override
    protected void execute() {
        if (GraphicsEnvironment.isHeadless() || (ui != null && ui.isHeadless())) {
            throw new IllegalStateException(StudioWindow.NEEDS_DISPLAY);
        }
        StudioWindow.open(jimeng);
    }
}
