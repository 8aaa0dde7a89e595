package io.github.jimengstudio.bench;

import io.github.jimengstudio.fiji.JimengService;
import io.github.jimengstudio.fiji.panel.StudioWindow;
import io.github.jimengstudio.testing.Golden;
import java.awt.Component;
import java.awt.Container;
import java.awt.GraphicsEnvironment;
import java.awt.Window;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import javax.swing.AbstractButton;
import javax.swing.JComboBox;
import javax.swing.JLabel;
import javax.swing.JSpinner;
import javax.swing.JTextArea;
import javax.swing.SwingUtilities;
import org.scijava.Context;

/**
 * Drives the real Studio window on the golden tiny model and saves what it looks like: opened, during the run and
 * finished, as {@code /tmp/jimeng-panel-*.png}. Needs a display, e.g. {@code xvfb-run -a java -cp ...
 * io.github.jimengstudio.bench.PanelScreenshot} (not part of {@code mvn verify}, which stays headless).
 * The prompt is typed into the prompt box and submitted with a real Ctrl+Enter key event; the settings are unfolded,
 * a negative prompt typed (unused at guidance 0) and a second LoRA row added (left at None), to show their layout.
 */
public final class PanelScreenshot {
    public static void main(String[] args) throws Exception {
        if (GraphicsEnvironment.isHeadless()) {
            System.err.println("PanelScreenshot needs a display: run it under xvfb-run -a.");
            System.exit(2);
        }
        String out = args.length > 0 ? args[0] : "/tmp/jimeng-panel";
        Context context = new Context(JimengService.class);
        JimengService jimeng = context.service(JimengService.class);
        jimeng.setModelFolder(Golden.file("e2e-tiny/model"));
        jimeng.setLoraFolder(Golden.file("lora-tiny"));
        try {
            StudioWindow.open(jimeng);
            Window window = waitFor(() -> {
                for (Window w : Window.getWindows()) {
                    if (w.isShowing() && w instanceof java.awt.Dialog d && StudioWindow.TITLE.equals(d.getTitle())) {
                        return w;
                    }
                }
                return null;
            });
            JLabel progress = (JLabel) find(window, "progress");
            Thread.sleep(1500); // the model status and LoRA list arrive from the worker
            shoot(window, out + "-1-opened.png");

            SwingUtilities.invokeAndWait(() -> {
                ((AbstractButton) find(window, "settings")).doClick();
                ((JSpinner) find(window, "steps")).setValue(4);
                ((javax.swing.JTextField) find(window, "negative")).setText("blurry, text");
                ((AbstractButton) find(window, "lora-add")).doClick();
                JComboBox<?> size = (JComboBox<?>) find(window, "size");
                size.getEditor().setItem("256 x 256");
                size.setSelectedItem("256 x 256");
                window.pack();
            });
            JTextArea prompt = (JTextArea) find(window, "prompt");
            SwingUtilities.invokeAndWait(() -> {
                prompt.requestFocusInWindow();
                prompt.replaceSelection("a red fox in the snow, watercolor");
            });
            SwingUtilities.invokeAndWait(() -> prompt.dispatchEvent(new KeyEvent(prompt, KeyEvent.KEY_PRESSED,
                    System.currentTimeMillis(), InputEvent.CTRL_DOWN_MASK, KeyEvent.VK_ENTER, KeyEvent.CHAR_UNDEFINED)));
            long start = System.nanoTime();
            waitFor(() -> progress.getText().startsWith("Step 2/") || progress.getText().startsWith("Done")
                    ? "" : null);
            shoot(window, out + "-2-running.png");
            waitFor(() -> progress.getText().startsWith("Done") || progress.getText().startsWith("Failed") ? "" : null);
            Thread.sleep(500);
            shoot(window, out + "-3-done.png");
            System.out.printf("panel: '%s' after %.1f s; screenshots %s-*.png%n", progress.getText(),
                    (System.nanoTime() - start) / 1e9, out);
        } finally {
            jimeng.setModelFolder(null);
            jimeng.setLoraFolder(null);
            System.exit(0);
        }
    }

    private static Component find(Container root, String name) {
        for (Component c : root.getComponents()) {
            if (name.equals(c.getName())) {
                return c;
            }
            if (c instanceof Container k) {
                Component found = find(k, name);
                if (found != null) {
                    return found;
                }
            }
        }
        if (root == null) {
            return null;
        }
        return null;
    }

    private static <T> T waitFor(java.util.concurrent.Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            AtomicReference<T> r = new AtomicReference<>();
            SwingUtilities.invokeAndWait(() -> {
                try {
                    r.set(probe.call());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            if (r.get() != null) {
                return r.get();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("gave up waiting after 120 s");
    }

    private static void shoot(Window w, String file) throws Exception {
        AtomicReference<BufferedImage> img = new AtomicReference<>();
        SwingUtilities.invokeAndWait(() -> {
            BufferedImage b = new BufferedImage(w.getWidth(), w.getHeight(), BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = b.createGraphics();
            w.printAll(g);
            g.dispose();
            img.set(b);
        });
        ImageIO.write(img.get(), "png", new File(file));
    }
}
