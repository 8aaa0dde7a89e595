package io.github.jimengstudio.vae;

import io.github.jimengstudio.nn.WorkMonitor;

/**
 * Overlapping tiles covering a latent, for decoding pictures too large to decode at once: the rows and columns
 * are each cut by a {@link TileAxis}, and a tile's pixel weight is the product of its row and column weights
 * (those sum to 1 on each axis, so their products sum to 1 over all tiles at every pixel).
 *
 * @param tile latent cells per tile side
 * @param overlap least overlap of neighbouring tiles, in latent cells
 */
public record TilePlan(TileAxis rows, TileAxis columns, int tile, int overlap) {

    /** Plans tiles of {@code tile × tile} latent cells overlapping by at least {@code overlap}. */
    public static TilePlan of(int latentHeight, int latentWidth, int tile, int overlap, int upscale) {
        return new TilePlan(TileAxis.plan(latentHeight, tile, overlap, upscale),
                TileAxis.plan(latentWidth, tile, overlap, upscale), tile, overlap);
    }

    /** The work on one tile: its output {@code [channels, its pixel rows, its pixel columns]} as planar floats. */
    @FunctionalInterface
    public interface TileWork {
        float[] run(TileAxis.Span rows, TileAxis.Span columns, WorkMonitor monitor);
    }

    /**
     * Runs {@code work} on every tile, row by row, each an equal share of {@code monitor} (details prefixed
     * {@code "tile k/n"}), and returns the cross-faded whole {@code [channels, rows.pixels(), columns.pixels()]}.
     */
    public float[] blend(int channels, WorkMonitor monitor, TileWork work) {
        float[] out = new float[channels * rows.pixels() * columns.pixels()];
        int tiles = tileCount();
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < columns.size(); j++) {
                int k = i * columns.size() + j;
                WorkMonitor part = monitor.part((double) k / tiles, (double) (k + 1) / tiles,
                        "tile " + (k + 1) + "/" + tiles);
                addWeighted(out, channels, i, j, work.run(rows.spans().get(i), columns.spans().get(j), part));
            }
        }
        return out;
    }

    /**
     * Adds the output of tile ({@code i}, {@code j}) (row {@code i} of {@link #rows}, column {@code j} of
     * {@link #columns}), {@code [channels, its pixel rows, its pixel columns]} as planar floats, into {@code out},
     * {@code [channels, rows.pixels(), columns.pixels()]}, each value times its cross-fade weight. After every
     * tile is added, {@code out} is the blended whole.
     */
    public void addWeighted(float[] out, int channels, int i, int j, float[] tile) {
        int height = rows.pixels();
        int width = columns.pixels();
        int th = rows.tilePixels(i);
        int tw = columns.tilePixels(j);
        if (tile.length != channels * th * tw || out.length != channels * height * width) {
            throw new IllegalArgumentException("tile (" + i + ", " + j + ") of " + this + " needs " + channels * th * tw
                    + " values into " + channels * height * width + ", got " + tile.length + " into " + out.length);
        }
        int y0 = rows.pixelStart(i);
        int x0 = columns.pixelStart(j);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < th; y++) {
                float wy = rows.weight(i, y);
                int src = (c * th + y) * tw;
                int dst = (c * height + y0 + y) * width + x0;
                for (int x = 0; x < tw; x++) {
                    out[dst + x] += tile[src + x] * (wy * columns.weight(j, x));
                }
            }
        }
    }

    public int tileCount() {
        return rows.size() * columns.size();
    }

    @Override
    public String toString() {
        return rows.size() + "x" + columns.size() + " tiles of " + tile + " latent cells, overlap >= " + overlap;
    }
}
