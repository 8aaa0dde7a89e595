package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.PreviewImage;
import io.github.jimengstudio.pipeline.Stage;
import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Locale;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JProgressBar;

/**
 * The running generation: a bar for the current stage, a line saying where it is, and the live preview (the
 * latent's rough colours after each step, then the finished image). Every method runs on the EDT.
 */
final class ProgressView extends JPanel {
    static final int PREVIEW_BOX = 256;

    private final Picture picture = new Picture();
    private final JProgressBar bar = new JProgressBar(0, 1000);
    private final JLabel line = new JLabel(" ");

    ProgressView() {
        super(new BorderLayout(0, 4));
        line.setName("progress");
        bar.setStringPainted(false);
        add(picture, BorderLayout.CENTER);
        JPanel south = new JPanel(new BorderLayout(0, 2));
        south.add(bar, BorderLayout.NORTH);
        south.add(line, BorderLayout.SOUTH);
        add(south, BorderLayout.SOUTH);
    }

    void started() {
        bar.setIndeterminate(true);
        line.setText("Queued…");
    }

    void stage(Stage stage) {
        bar.setIndeterminate(stage == Stage.LOADING);
        bar.setValue(0);
        line.setText(capitalized(stage.label()) + "…");
    }

    void stageProgress(Stage stage, double fraction, String detail) {
        bar.setIndeterminate(false);
        bar.setValue((int) Math.round(fraction * 1000));
        line.setText(capitalized(stage.label()) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    }

    /** Work that is not a generation (a download): a fraction and a line of text. */
    void progress(double fraction, String text) {
        bar.setIndeterminate(false);
        bar.setValue((int) Math.round(fraction * 1000));
        line.setText(text);
    }

    void step(int step, int steps, Duration eta) {
        bar.setIndeterminate(false);
        bar.setValue(step * 1000 / steps);
        line.setText(String.format(Locale.ROOT, "Step %d/%d, %.1f s left", step, steps, eta.toMillis() / 1000.0));
    }

    void preview(BufferedImage image) {
        picture.show(image);
    }

    void finished(GeneratedImage image, BufferedImage pixels) {
        bar.setIndeterminate(false);
        bar.setValue(1000);
        picture.show(pixels);
        line.setText(String.format(Locale.ROOT, "Done in %.1f s, seed %s", image.record().timings().totalMillis()
                / 1000, image.record().request().seedString()));
    }

    void ended(String message) {
        bar.setIndeterminate(false);
        bar.setValue(0);
        line.setText(message);
    }

    String line() {
        return line.getText();
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** RGB bytes (row by row, 3 per pixel) as an image for Swing. */
    static BufferedImage toImage(int width, int height, byte[] rgb) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = 3 * (y * width + x);
                row[x] = (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    static BufferedImage toImage(PreviewImage p) {
        return toImage(p.width(), p.height(), p.rgb());
    }

    /** Draws the picture scaled to fit, keeping its aspect; a dark frame while there is none. */
    private static final class Picture extends JComponent {
        private BufferedImage image;

        Picture() {
            setPreferredSize(new Dimension(PREVIEW_BOX, PREVIEW_BOX));
        }

        void show(BufferedImage img) {
            image = img;
            repaint();
        }

        @Override
        protected void paintComponent(Graphics g) {
            Graphics2D g2 = (Graphics2D) g.create();
            g2.setColor(new Color(0x2B2B2B));
            g2.fillRect(0, 0, getWidth(), getHeight());
            if (image != null) {
                double scale = Math.min(getWidth() / (double) image.getWidth(), getHeight()
                        / (double) image.getHeight());
                int w = (int) Math.round(image.getWidth() * scale);
                int h = (int) Math.round(image.getHeight() * scale);
                g2.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g2.drawImage(image, (getWidth() - w) / 2, (getHeight() - h) / 2, w, h, null);
            }
            g2.dispose();
        }
    }
}
