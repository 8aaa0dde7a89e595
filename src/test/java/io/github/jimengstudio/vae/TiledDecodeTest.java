package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Tiled against untiled decoding. Tiles cannot equal the untiled decode: each has its own GroupNorm statistics
 * and mid-attention context. The stated bound, for a random N(0,1) latent of 48×40 cells (384×320 pixels) decoded
 * by the golden test VAE in 3×2 tiles of 24 cells overlapping by 8, on the [0, 1] image scale: mean |Δ| ≤ 0.025,
 * 99th percentile ≤ 0.15, max ≤ 0.5 (measured 0.018 / 0.10 / 0.43), and no seam: the step between pixel rows
 * on either side of a tile edge is within 5 % of the same step in the untiled picture.
 */
class TiledDecodeTest {

    @Test
    void tiledDecodingStaysWithinTheStatedBoundAndHasNoSeams() throws IOException {
        VaeConfig tiny = VaeConfig.read(Golden.file("vae-tiny/config.json"));
        int h = 48;
        int w = 40;
        LatentBatch latent = new LatentBatch(1, h, w, new TorchCpuRandom(1).randn(1, 16, h, w));
        VaeTiling tiling = VaeTiling.always(24, 8);
        TilePlan plan = tiling.planFor(h, w, 8);
        assertEquals(6, plan.tileCount());
        DecodedImage untiled;
        DecodedImage tiled;
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"));
                VaeDecoder decoder = VaeDecoder.load(tiny, f)) {
            untiled = decoder.decode(latent, VaeTiling.never()).get(0);
            tiled = decoder.decode(latent, tiling).get(0);
        }
        int n = untiled.rgb().length;
        double[] diff = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            diff[i] = Math.abs(untiled.rgb()[i] - tiled.rgb()[i]);
            sum += diff[i];
        }
        Arrays.sort(diff);
        assertTrue(sum / n <= 0.025, "mean |tiled - untiled| " + sum / n);
        assertTrue(diff[(int) (0.99 * n)] <= 0.15, "99th percentile " + diff[(int) (0.99 * n)]);
        assertTrue(diff[n - 1] <= 0.5, "max " + diff[n - 1]);
        assertTrue(diff[n - 1] > 0, "tiles were decoded");

        for (TileAxis axis : new TileAxis[] {plan.rows(), plan.columns()}) {
            boolean rows = axis == plan.rows();
            for (TileAxis.Span s : axis.spans()) {
                for (int edge : new int[] {s.start() * 8, s.end() * 8}) {
                    if (edge == 0 || edge == axis.pixels()) {
                        continue;
                    }
                    double t = step(tiled, edge, rows);
                    double u = step(untiled, edge, rows);
                    assertTrue(Math.abs(t - u) <= 0.05 * u, (rows ? "row " : "column ") + edge + ": step " + t
                            + " tiled, " + u + " untiled");
                }
            }
        }
    }

    /** Mean |difference| between the pixel lines just before and at {@code at} (rows or columns). */
    private static double step(DecodedImage im, int at, boolean rows) {
        int w = im.width();
        int lineLength = rows ? w : im.height();
        double s = 0;
        for (int i = 0; i < lineLength; i++) {
            for (int c = 0; c < 3; c++) {
                int a = rows ? ((at - 1) * w + i) * 3 + c : (i * w + at - 1) * 3 + c;
                int b = rows ? (at * w + i) * 3 + c : (i * w + at) * 3 + c;
                s += Math.abs(im.rgb()[a] - im.rgb()[b]);
            }
        }
        return s / (3.0 * lineLength);
    }

    @Test
    void autoTilesOnlyAboveTheNativeSize() {
        VaeTiling auto = VaeTiling.auto();
        assertNull(auto.planFor(128, 128, 8), "1024x1024 decodes in one piece");
        assertNull(auto.planFor(64, 256, 8), "an area up to 128x128 cells decodes in one piece");
        TilePlan p = auto.planFor(130, 128, 8);
        assertEquals("3x3 tiles of 64 latent cells, overlap >= 16", p.toString());
        assertEquals(5 * 5, auto.planFor(256, 256, 8).tileCount());
        assertNull(VaeTiling.never().planFor(512, 512, 8));
        assertNull(VaeTiling.always(64, 16).planFor(64, 40, 8), "one tile is the untiled decode");
        assertEquals(4, VaeTiling.always(32, 8).planFor(40, 40, 8).tileCount());
        assertThrows(IllegalArgumentException.class, () -> VaeTiling.always(64, 40));
        assertThrows(IllegalArgumentException.class, () -> new VaeTiling(-1, 64, 16));
    }
}
