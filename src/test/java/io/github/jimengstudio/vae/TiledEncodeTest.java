package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tiled encoding of a picture above the untiled limit, on the golden test VAE, against the untiled encode of the
 * same picture. Tiles see neither the whole picture's GroupNorm statistics nor its whole attention context, so
 * they differ from the untiled result. The stated bound, for the mean, in fractions of its range over the picture
 * (measured here with diffusers' 1024-pixel tiles: 0.43 %, 4.0 % and 14 %; the decoder's 512-pixel tiles would
 * give 1.1 %, 8.6 % and 32 %): average |tiled − untiled| ≤ 1 %, 99th percentile ≤ 6 %, max ≤ 20 %. Where only
 * one tile covers a latent cell, the result is exactly that tile's own encoding.
 */
class TiledEncodeTest {
    private static VaeEncoder encoder;

    @BeforeAll
    static void load() throws IOException {
        encoder = VaeEncoder.open(Golden.file("e2e-tiny/model/vae"));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    /**
     * A smooth picture with hard-edged shapes, like README-edit's canvas at any size: gradients, dark disks and
     * bright rectangles (8-bit RGB, preprocessed as the pipelines do).
     */
    static EncoderInput canvas(int width, int height) {
        byte[] rgb = new byte[3 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = 40 + 150 * x / width + 30 * y / height;
                int g = 60 + 120 * y / height + 20 * (width - x) / width;
                long dx = x - width / 2;
                long dy = y - height / 2;
                int b = (int) (90 + 110 * (dx * dx + dy * dy) / ((long) width * width / 2));
                if ((x % 300 - 120) * (x % 300 - 120) + (y % 260 - 110) * (y % 260 - 110) <= 70 * 70) {
                    r = 20;
                    g = 18;
                    b = 34;
                } else if (x % 410 >= 250 && x % 410 < 380 && y % 330 >= 200 && y % 330 < 300) {
                    r = 242;
                    g = 236;
                    b = 220;
                }
                int i = 3 * (y * width + x);
                rgb[i] = (byte) r;
                rgb[i + 1] = (byte) g;
                rgb[i + 2] = (byte) Math.min(b, 255);
            }
        }
        return EncoderInput.fromRgb8(new RgbImage(width, height, rgb));
    }

    @Test
    void aPictureAboveTheUntiledLimitIsTiledAndStaysWithinTheStatedBound() {
        int width = 1088;
        int height = 1152;
        assertNull(VaeTiling.auto().planFor(128, 128, 1), "1024x1024 encodes in one piece");
        TilePlan plan = VaeTiling.autoForEncoder().planFor(height / 8, width / 8, 1);
        assertNotNull(plan, "1088x1152 is above the untiled limit");
        assertEquals(4, plan.tileCount());
        EncoderInput picture = canvas(width, height);
        LatentDistribution untiled = encoder.encode(picture, VaeTiling.never(), WorkMonitor.NONE);
        LatentDistribution tiled = encoder.encode(picture, VaeTiling.autoForEncoder(), WorkMonitor.NONE);

        float[] a = untiled.mean();
        float[] b = tiled.mean();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float v : a) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double range = max - min;
        double[] diff = new double[a.length];
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            diff[i] = Math.abs((double) a[i] - b[i]);
            sum += diff[i];
        }
        Arrays.sort(diff);
        double mean = sum / a.length / range;
        double p99 = diff[(int) (0.99 * a.length)] / range;
        double worst = diff[a.length - 1] / range;
        System.out.printf("tiled encode 1088x1152: range %.3f, mean %.4f, p99 %.4f, max %.4f of the range%n", range,
                mean, p99, worst);
        assertTrue(worst > 0, "tiles were encoded");
        assertTrue(mean <= 0.01, "mean |tiled - untiled| " + mean + " of the range");
        assertTrue(p99 <= 0.06, "99th percentile " + p99 + " of the range");
        assertTrue(worst <= 0.20, "max " + worst + " of the range");

        // the first tile alone covers the cells above and left of where the second row and column of tiles begin
        TileAxis.Span ry = plan.rows().spans().get(0);
        TileAxis.Span rx = plan.columns().spans().get(0);
        LatentDistribution first = encoder.encode(picture.crop(0, 0, ry.length() * 8, rx.length() * 8),
                VaeTiling.never(), WorkMonitor.NONE);
        int h = height / 8;
        int w = width / 8;
        int rowsAlone = plan.rows().spans().get(1).start();
        int colsAlone = plan.columns().spans().get(1).start();
        for (int c = 0; c < LatentDistribution.CHANNELS; c++) {
            for (int y = 0; y < rowsAlone; y++) {
                for (int x = 0; x < colsAlone; x++) {
                    assertEquals(first.mean()[(c * ry.length() + y) * rx.length() + x], b[(c * h + y) * w + x],
                            "mean at channel " + c + ", cell " + y + ", " + x);
                    assertEquals(first.logvar()[(c * ry.length() + y) * rx.length() + x],
                            tiled.logvar()[(c * h + y) * w + x], "logvar at channel " + c + ", cell " + y + ", " + x);
                }
            }
        }
    }
}
