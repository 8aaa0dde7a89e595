package io.github.jimengstudio.vae;

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

    public int tileCount() {
        return rows.size() * columns.size();
    }

    @Override
    public String toString() {
        return rows.size() + "x" + columns.size() + " tiles of " + tile + " latent cells, overlap >= " + overlap;
    }
}
