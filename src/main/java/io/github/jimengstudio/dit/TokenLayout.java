package io.github.jimengstudio.dit;

import static io.github.jimengstudio.dit.ZImageTransformerConfig.SEQ_MULTI_OF;

import java.util.Arrays;

/**
 * One batch item's token runs (spec §4.5): the caption of {@code captionTokens} rows padded to a multiple of 32,
 * and the image grid of frames × rows × cols patch tokens padded the same way; plus their 3-axis position ids.
 *
 * <p>Caption token k (pad rows included) sits at (1+k, 0, 0); image token (f, h, w) at (Pc+1+f, h, w), where Pc is
 * the padded caption length; image pad rows at (0, 0, 0). The reference builds the caption ids from a grid that
 * already counts the pad rows and then cuts the list to the sequence length, which is why caption pad rows continue
 * the count instead of getting (0, 0, 0) like image pad rows (golden README §1.2).
 */
public record TokenLayout(int captionTokens, int frames, int rows, int cols) {

    public TokenLayout {
        if (captionTokens < 1 || frames < 1 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException("token layout needs at least one caption and one image token, got caption "
                    + captionTokens + ", grid " + frames + "x" + rows + "x" + cols);
        }
    }

    /**
     * The layout for a latent {@code [C, F, H, W]} and caption features {@code [Lc, cap_feat_dim]}, refusing what
     * the model cannot take; {@code item} names the batch item in messages.
     */
    public static TokenLayout of(ZImageTransformerConfig config, long[] latentShape, long[] captionShape, int item) {
        String which = "item " + item + ": ";
        if (latentShape.length != 4 || latentShape[0] != config.inChannels()) {
            throw new IllegalArgumentException(which + "latent has shape " + Arrays.toString(latentShape) + "; the"
                    + " transformer takes [" + config.inChannels() + ", frames, height, width] per item (the"
                    + " pipeline's [B, C, h, w] latents with a frame axis of 1 inserted)");
        }
        int p = config.patchSize();
        int pf = config.framePatchSize();
        if (latentShape[1] % pf != 0 || latentShape[2] % p != 0 || latentShape[3] % p != 0
                || latentShape[1] < 1 || latentShape[2] < 1 || latentShape[3] < 1) {
            throw new IllegalArgumentException(which + "latent " + Arrays.toString(latentShape) + " does not divide into"
                    + " patches of " + pf + "x" + p + "x" + p + " (frames x height x width): latent height and width"
                    + " must be multiples of " + p + ", i.e. image sizes multiples of " + 8 * p + " pixels");
        }
        if (captionShape.length != 2 || captionShape[1] != config.capFeatDim()) {
            throw new IllegalArgumentException(which + "caption features have shape " + Arrays.toString(captionShape)
                    + "; the transformer takes [tokens, " + config.capFeatDim() + "] (cap_feat_dim: the text"
                    + " encoder's hidden width)");
        }
        if (captionShape[0] < 1) {
            throw new IllegalArgumentException(which + "caption features are empty; at least one token is needed"
                    + " (even an empty prompt has its chat-template tokens)");
        }
        long frames = latentShape[1] / pf;
        long rows = latentShape[2] / p;
        long cols = latentShape[3] / p;
        long paddedCaption = padded(captionShape[0]);
        long lastFrameId = paddedCaption + frames;
        int[] lens = config.axesLens();
        if (lastFrameId >= lens[0] || rows > lens[1] || cols > lens[2]) {
            throw new IllegalArgumentException(which + "caption of " + captionShape[0] + " tokens (padded "
                    + paddedCaption + ") and a token grid of " + frames + "x" + rows + "x" + cols + " need position"
                    + " ids up to (" + lastFrameId + ", " + (rows - 1) + ", " + (cols - 1) + "), beyond the RoPE"
                    + " tables axes_lens " + Arrays.toString(lens) + "; use a shorter prompt or a smaller image");
        }
        return new TokenLayout((int) captionShape[0], (int) frames, (int) rows, (int) cols);
    }

    private static long padded(long n) {
        return n + Math.floorMod(-n, SEQ_MULTI_OF);
    }

    public int captionPadded() {
        return (int) padded(captionTokens);
    }

    public int imageTokens() {
        return frames * rows * cols;
    }

    public int imagePadded() {
        return (int) padded(imageTokens());
    }

    /** Length of this item's unified sequence: padded image run, then padded caption run. */
    public int unifiedLength() {
        return imagePadded() + captionPadded();
    }

    /** [captionPadded × 3] row-major: (1+k, 0, 0). */
    public int[] captionPositionIds() {
        int[] ids = new int[captionPadded() * 3];
        for (int k = 0; k < captionPadded(); k++) {
            ids[3 * k] = 1 + k;
        }
        return ids;
    }

    /** [imagePadded × 3] row-major: (Pc+1+f, h, w) in (f, h, w) row-major order, then (0, 0, 0) for pad rows. */
    public int[] imagePositionIds() {
        int[] ids = new int[imagePadded() * 3];
        int start = captionPadded() + 1;
        int t = 0;
        for (int f = 0; f < frames; f++) {
            for (int h = 0; h < rows; h++) {
                for (int w = 0; w < cols; w++, t++) {
                    ids[3 * t] = start + f;
                    ids[3 * t + 1] = h;
                    ids[3 * t + 2] = w;
                }
            }
        }
        return ids;
    }

    /** The unified sequence's ids: the padded image run, then the padded caption run (image tokens first). */
    public int[] unifiedPositionIds() {
        int[] img = imagePositionIds();
        int[] cap = captionPositionIds();
        int[] ids = new int[img.length + cap.length];
        System.arraycopy(img, 0, ids, 0, img.length);
        System.arraycopy(cap, 0, ids, img.length, cap.length);
        return ids;
    }
}
