package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.vae.TileAxis.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class TilePlanTest {

    @Test
    void aShortAxisIsOneTileOfWeightOne() {
        TileAxis a = TileAxis.plan(40, 64, 16, 8);
        assertEquals(List.of(new Span(0, 40)), a.spans());
        for (float w : a.weights(0)) {
            assertEquals(1f, w);
        }
    }

    @Test
    void tilesCoverTheAxisWithAtLeastTheOverlap() {
        for (int length = 2; length <= 400; length++) {
            for (int[] to : new int[][] {{64, 16}, {32, 8}, {48, 24}, {16, 1}}) {
                TileAxis a = TileAxis.plan(length, to[0], to[1], 8);
                List<Span> s = a.spans();
                assertEquals(0, s.get(0).start());
                assertEquals(length, s.get(s.size() - 1).end());
                for (int i = 1; i < s.size(); i++) {
                    int overlap = s.get(i - 1).end() - s.get(i).start();
                    assertTrue(overlap >= to[1], length + ": overlap " + overlap + " of " + s);
                    assertEquals(to[0], s.get(i).length());
                }
                if (length > to[0]) {
                    // the fewest tiles: one fewer could not keep the overlap
                    int n = s.size();
                    assertTrue((n - 2) * (to[0] - to[1]) + to[0] < length, length + ": " + s);
                }
            }
        }
    }

    @Test
    void weightsFormAContinuousPartitionOfUnity() {
        for (int length : new int[] {65, 100, 130, 256, 333}) {
            TileAxis a = TileAxis.plan(length, 64, 16, 8);
            float[] sum = new float[a.pixels()];
            float[][] perPixel = new float[a.size()][a.pixels()];
            for (int i = 0; i < a.size(); i++) {
                float[] w = a.weights(i);
                assertEquals(a.spans().get(i).length() * 8, w.length);
                for (int d = 0; d < w.length; d++) {
                    assertTrue(w[d] > 0 && w[d] <= 1, "weight " + w[d]);
                    sum[a.pixelStart(i) + d] += w[d];
                    perPixel[i][a.pixelStart(i) + d] = w[d];
                }
            }
            for (int p = 0; p < sum.length; p++) {
                assertEquals(1f, sum[p], 1e-6f, length + " at pixel " + p);
            }
            // a tile's weight changes by at most 1/overlapPixels between neighbours, and goes to ~0 at its edges
            int minOverlapPixels = 16 * 8;
            for (float[] w : perPixel) {
                for (int p = 1; p < w.length; p++) {
                    assertTrue(Math.abs(w[p] - w[p - 1]) <= 1.0 / minOverlapPixels + 1e-6,
                            length + ": jump " + (w[p] - w[p - 1]) + " at pixel " + p);
                }
            }
        }
    }

    @Test
    void aPixelCoveredByOneTileTakesThatTileUnchanged() {
        TileAxis a = TileAxis.plan(200, 64, 16, 8);
        for (int i = 0; i < a.size(); i++) {
            float[] w = a.weights(i);
            int start = a.pixelStart(i);
            for (int d = 0; d < w.length; d++) {
                int p = start + d;
                boolean shared = (i > 0 && p < a.spans().get(i - 1).end() * 8)
                        || (i < a.size() - 1 && p >= a.spans().get(i + 1).start() * 8);
                if (!shared) {
                    assertEquals(1f, w[d], "tile " + i + " pixel " + p);
                }
            }
        }
    }

    @Test
    void planIsTheProductOfTheTwoAxes() {
        TilePlan p = TilePlan.of(128, 200, 64, 16, 8);
        assertEquals(3, p.rows().size());
        assertEquals(4, p.columns().size());
        assertEquals(12, p.tileCount());
        assertEquals("3x4 tiles of 64 latent cells, overlap >= 16", p.toString());
    }

    @Test
    void impossibleTilingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TileAxis.plan(100, 64, 40, 8));
        assertThrows(IllegalArgumentException.class, () -> TileAxis.plan(100, 64, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> TileAxis.plan(0, 64, 16, 8));
    }
}
