package io.github.jimengstudio.vae;

/**
 * When and how to decode in overlapping tiles ({@link TilePlan}, {@link TileAxis}).
 *
 * <p>An untiled decode is exactly the reference. Its cost grows with the picture: the mid-block attention is
 * quadratic in the latent area, and the full-resolution activations (128–256 channels × H × W float32) are
 * several GB at 2048×2048. Tiled decoding bounds both, at the price of small differences from the untiled
 * result: each tile has its own GroupNorm statistics and attention context. {@link #auto()} decodes untiled up
 * to {@value #AUTO_MAX_UNTILED_AREA} latent cells (128×128, i.e. 1024×1024 pixels, the model's native size) and
 * tiles above it.
 *
 * @param maxUntiledArea the largest latent area (h·w) decoded in one piece; 0 = always tile
 * @param tile latent cells per tile side
 * @param overlap least overlap of neighbouring tiles, in latent cells
 */
public record VaeTiling(long maxUntiledArea, int tile, int overlap) {

    /** Largest latent area {@link #auto()} decodes untiled: 128×128 latent cells, 1024×1024 pixels. */
    public static final long AUTO_MAX_UNTILED_AREA = 128 * 128;
    /** Default tile side: 64 latent cells (512 pixels). */
    public static final int DEFAULT_TILE = 64;
    /** Default least overlap: 16 latent cells (128 pixels of cross-fade). */
    public static final int DEFAULT_OVERLAP = 16;

    public VaeTiling {
        if (maxUntiledArea < 0) {
            throw new IllegalArgumentException("maxUntiledArea is " + maxUntiledArea + "; use 0 to always tile");
        }
        if (tile < 8 || overlap < 1 || overlap > tile / 2) {
            throw new IllegalArgumentException("tiles of " + tile + " latent cells overlapping by " + overlap
                    + ": tiles need at least 8 cells and an overlap from 1 to half a tile");
        }
    }

    /**
     * The encoder's tile side, 128 latent cells (1024 pixels): diffusers' {@code tile_sample_min_size}, which is
     * the config's {@code sample_size} (1024 for Z-Image), for {@code AutoencoderKL.tiled_encode}. Tiles as large
     * as the largest untiled picture cost no more memory than that picture, and keep each tile's GroupNorm
     * statistics and attention context close to the whole picture's.
     */
    public static final int ENCODER_TILE = 128;
    /** The encoder's least overlap, 32 latent cells (256 pixels): diffusers' blend extent, a quarter tile. */
    public static final int ENCODER_OVERLAP = 32;

    /** Untiled up to 1024×1024 pixels, tiled above. */
    public static VaeTiling auto() {
        return new VaeTiling(AUTO_MAX_UNTILED_AREA, DEFAULT_TILE, DEFAULT_OVERLAP);
    }

    /**
     * For {@link VaeEncoder}: untiled up to 1024×1024 pixels like {@link #auto()}, above it tiles of
     * {@value #ENCODER_TILE} latent cells overlapping by at least {@value #ENCODER_OVERLAP}, diffusers' sizes.
     */
    public static VaeTiling autoForEncoder() {
        return new VaeTiling(AUTO_MAX_UNTILED_AREA, ENCODER_TILE, ENCODER_OVERLAP);
    }

    /** Never tiled: the exact reference decode, whatever the memory it takes. */
    public static VaeTiling never() {
        return new VaeTiling(Long.MAX_VALUE, DEFAULT_TILE, DEFAULT_OVERLAP);
    }

    /** Always tiled with the given tile side and least overlap (latent cells). */
    public static VaeTiling always(int tile, int overlap) {
        return new VaeTiling(0, tile, overlap);
    }

    /** The tiles for a latent of {@code h × w} cells, or null when it is decoded in one piece. */
    public TilePlan planFor(int h, int w, int upscale) {
        if ((long) h * w <= maxUntiledArea || (h <= tile && w <= tile)) {
            return null;
        }
        return TilePlan.of(h, w, tile, overlap, upscale);
    }
}
