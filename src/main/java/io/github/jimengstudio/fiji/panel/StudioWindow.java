package io.github.jimengstudio.fiji.panel;

import ij.IJ;
import ij.ImageJ;
import io.github.jimengstudio.fiji.JimengService;
import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.event.ComponentAdapter;
import java.awt.event.ComponentEvent;
import javax.swing.JDialog;
import javax.swing.SwingUtilities;
import javax.swing.WindowConstants;

/**
 * The one Studio window. With an ImageJ main window it is a tool window owned by it, placed just below it and
 * following it when it moves (it then also minimises with it); without one it is an ordinary window placed by the
 * system. Closing only hides it: the panel keeps its settings and history until Fiji quits.
 */
public final class StudioWindow {
    public static final String TITLE = "Jimeng Studio";
    public static final String NEEDS_DISPLAY = "The Studio panel needs a display; headless, use Generate Image... "
            + "(macro or script) or the command line.";

    /** EDT only. */
    private static JDialog window;
    private static StudioPanel panel;

    private StudioWindow() {}

    /** Shows the Studio window, creating it on first use. Call from any thread; returns at once. */
    public static void open(JimengService jimeng) {
        if (GraphicsEnvironment.isHeadless()) {
            throw new IllegalStateException(NEEDS_DISPLAY);
        }
        SwingUtilities.invokeLater(() -> show(new ServiceEngine(jimeng)));
    }

    /** EDT: shows the window, creating it with {@code engine} when there is none. */
    static StudioPanel show(StudioEngine engine) {
        ImageJ ij = mainWindow();
        if (window == null) {
            panel = new StudioPanel(engine, GenerationHistory.DEFAULT_CAPACITY, GenerationHistory.defaultFolder());
            window = new JDialog(ij, TITLE, false);
            window.setDefaultCloseOperation(WindowConstants.HIDE_ON_CLOSE);
            window.setContentPane(panel);
            window.pack();
            if (ij != null) {
                stickTo(ij);
            } else {
                window.setLocationByPlatform(true);
            }
        }
        window.setVisible(true);
        window.toFront();
        if (ij != null) {
            // once more when the window system has the window: on a loaded X server its first placement can be
            // replaced by the default one before the window is mapped
            SwingUtilities.invokeLater(() -> placeBelow(ij.getBounds()));
        }
        // the user opened the panel to type a prompt: the caret is there at once
        panel.promptBox().area().requestFocusInWindow();
        return panel;
    }

    /** The window itself (null before the first {@link #show}); for the screenshot driver. */
    static JDialog window() {
        return window;
    }

    /** ImageJ's main window, or null (a plain SciJava context). */
    private static ImageJ mainWindow() {
        ImageJ ij = IJ.getInstance();
        if (ij != null) {
            return ij;
        }
        for (java.awt.Frame f : java.awt.Frame.getFrames()) {
            if (f instanceof ImageJ found && f.isDisplayable()) {
                return found;
            }
        }
        return null;
    }

    private static void stickTo(ImageJ ij) {
        placeBelow(ij.getBounds());
        ij.addComponentListener(new ComponentAdapter() {
            @Override
            public void componentMoved(ComponentEvent e) {
                placeBelow(ij.getBounds());
            }
        });
    }

    private static void placeBelow(Rectangle main) {
        Rectangle screen = window.getGraphicsConfiguration().getBounds();
        int x = Math.max(screen.x, Math.min(main.x, screen.x + screen.width - window.getWidth()));
        int y = main.y + main.height;
        if (y + window.getHeight() > screen.y + screen.height) {
            // not enough room below: beside the main window instead
            x = Math.min(main.x + main.width, screen.x + screen.width - window.getWidth());
            y = main.y;
        }
        window.setLocation(x, y);
    }
}
