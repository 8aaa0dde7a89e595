package io.github.jimengstudio.vae;

import java.util.ArrayList;
import java.util.List;

/**
 * How one axis of a latent is cut into overlapping tiles, and how much each tile's decoded pixels count where
 * tiles overlap.
 *
 * <p>Cutting: an axis of {@code length} latent cells that is longer than {@code tile} gets the fewest tiles of
 * exactly {@code tile} cells that overlap by at least {@code overlap}; their starts are spread evenly from 0 to
 * {@code length - tile}, so every overlap is {@code overlap} or a little more. A shorter axis is one tile.
 *
 * <p>Blending: in pixels, a tile's weight ramps linearly up across the overlap with its previous neighbour and
 * down across the overlap with its next one (weight {@code (d + 0.5) / overlapPixels} at distance {@code d} from
 * its own edge), and is 1 elsewhere. Where two tiles overlap, their two ramps sum to exactly 1: a linear
 * cross-fade, so the result is continuous (no seam) and equals a tile's own output wherever only one tile covers
 * a pixel. The weights are divided by their sum at every pixel, which changes nothing in that case and keeps the
 * blend a proper average if three tiles ever meet. A tile's edge pixels, where its zero padding and its own
 * GroupNorm statistics make it differ most from an untiled decode, get the smallest weights.
 */
public final class TileAxis {

    /** A tile's range on this axis, in latent cells. */
    public record Span(int start, int length) {
        public int end() {
            return start + length;
        }
    }

    private final int length;
    private final int upscale;
    private final List<Span> spans;
    private final float[][] weights;

    private TileAxis(int length, int upscale, List<Span> spans) {
        this.length = length;
        this.upscale = upscale;
        this.spans = List.copyOf(spans);
        this.weights = blendWeights();
    }

    /**
     * Plans one axis.
     *
     * @param length latent cells on this axis
     * @param tile latent cells per tile
     * @param overlap least overlap of neighbouring tiles, in latent cells ({@code 0 < overlap <= tile / 2})
     * @param upscale pixels per latent cell (8 for the FLUX VAE)
     */
    public static TileAxis plan(int length, int tile, int overlap, int upscale) {
        if (length < 1 || upscale < 1) {
            throw new IllegalArgumentException("cannot tile an axis of " + length + " cells at upscale " + upscale);
        }
        if (tile < 2 || overlap < 1 || overlap > tile / 2) {
            throw new IllegalArgumentException("tile " + tile + " with overlap " + overlap + ": the overlap must be"
                    + " at least 1 and at most half the tile");
        }
        List<Span> spans = new ArrayList<>();
        if (length <= tile) {
            spans.add(new Span(0, length));
        } else {
            int stride = tile - overlap;
            int n = (length - overlap + stride - 1) / stride;
            for (int i = 0; i < n; i++) {
                int start = (int) Math.round((double) i * (length - tile) / (n - 1));
                spans.add(new Span(start, tile));
            }
        }
        return new TileAxis(length, upscale, spans);
    }

    public List<Span> spans() {
        return spans;
    }

    public int size() {
        return spans.size();
    }

    /** Latent cells on this axis. */
    public int length() {
        return length;
    }

    /** Pixels on this axis. */
    public int pixels() {
        return length * upscale;
    }

    /** First pixel of tile {@code i}. */
    public int pixelStart(int i) {
        return spans.get(i).start() * upscale;
    }

    /** Pixels of tile {@code i} on this axis. */
    public int tilePixels(int i) {
        return spans.get(i).length() * upscale;
    }

    /** Blend weight of each pixel of tile {@code i} (normalised: over all tiles they sum to 1 at every pixel). */
    public float[] weights(int i) {
        return weights[i].clone();
    }

    float weight(int i, int pixelInTile) {
        return weights[i][pixelInTile];
    }

    private float[][] blendWeights() {
        int n = spans.size();
        double[][] raw = new double[n][];
        double[] sum = new double[pixels()];
        for (int i = 0; i < n; i++) {
            Span s = spans.get(i);
            int a = s.start() * upscale;
            int b = s.end() * upscale;
            int rampIn = i > 0 ? spans.get(i - 1).end() * upscale - a : 0;
            int rampOut = i < n - 1 ? b - spans.get(i + 1).start() * upscale : 0;
            raw[i] = new double[b - a];
            for (int d = 0; d < b - a; d++) {
                double w = 1;
                if (rampIn > 0) {
                    w = Math.min(w, (d + 0.5) / rampIn);
                }
                if (rampOut > 0) {
                    w = Math.min(w, (b - a - d - 0.5) / rampOut);
                }
                raw[i][d] = w;
                sum[a + d] += w;
            }
        }
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            int a = spans.get(i).start() * upscale;
            out[i] = new float[raw[i].length];
            for (int d = 0; d < raw[i].length; d++) {
                out[i][d] = (float) (raw[i][d] / sum[a + d]);
            }
        }
        return out;
    }
}
