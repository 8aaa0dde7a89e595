package io.github.jimengstudio.dit;

import io.github.jimengstudio.runtime.Tensor;
import java.util.List;

/**
 * Latent ↔ token conversion (spec §4.4). A latent [C, F, H, W] becomes tokens in (f, h, w) row-major order, each
 * holding its pF×pH×pW×C values with the channel fastest; unpatchify is the exact inverse.
 */
final class Patchifier {

    private final int channels;
    private final int patch;
    private final int framePatch;

    Patchifier(ZImageTransformerConfig c) {
        channels = c.inChannels();
        patch = c.patchSize();
        framePatch = c.framePatchSize();
    }

    /** [C, F, H, W] → [imagePadded, pF·pH·pW·C], pad rows repeating the last token. */
    Tensor patchify(Tensor latent, TokenLayout l) {
        Tensor tokens = latent.reshape(channels, l.frames(), framePatch, l.rows(), patch, l.cols(), patch)
                .permute(1, 3, 5, 2, 4, 6, 0)
                .reshape(l.imageTokens(), (long) framePatch * patch * patch * channels);
        return padByRepeatingLast(tokens, l.imagePadded());
    }

    /** The first imageTokens rows of [≥ imageTokens, pF·pH·pW·C] → [C, F, H, W]. */
    Tensor unpatchify(Tensor tokens, TokenLayout l) {
        return tokens.slice(0, 0, l.imageTokens())
                .reshape(l.frames(), l.rows(), l.cols(), framePatch, patch, patch, channels)
                .permute(6, 0, 3, 1, 4, 2, 5)
                .reshape(channels, (long) l.frames() * framePatch, (long) l.rows() * patch, (long) l.cols() * patch);
    }

    /** Pads [n, w] to [padded, w] by repeating the last row (the reference pads before embedding). */
    static Tensor padByRepeatingLast(Tensor rows, int padded) {
        long n = rows.dim(0);
        if (padded == n) {
            return rows;
        }
        Tensor last = rows.slice(0, n - 1, n).expand(padded - n, rows.dim(1));
        return Tensor.cat(List.of(rows, last), 0);
    }
}
