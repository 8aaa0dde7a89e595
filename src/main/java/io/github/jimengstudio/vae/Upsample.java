package io.github.jimengstudio.vae;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.vae.Layers.Conv2d;
import java.io.IOException;

/**
 * diffusers' Upsample2D in the decoder: nearest-neighbour 2× (each value copied into a 2×2 block), then a 3×3
 * convolution.
 */
final class Upsample implements Resampler {
    private final Conv2d conv;
    private final int channels;

    Upsample(PartWeights w, String name, int channels) throws IOException {
        this.channels = channels;
        conv = Conv2d.load(w, name, channels, channels, 3);
    }

    /** Multiply-adds of the convolution, which runs on four times the input's {@code area}. */
    @Override
    public long cost(long area) {
        return 9L * channels * channels * 4 * area;
    }

    @Override
    public long outputArea(long area) {
        return 4 * area;
    }

    /** A new tensor; {@code x} is left to the caller. */
    @Override
    public Tensor forward(Tensor x) {
        try (Tensor doubled = Functional.upsampleNearest2x(x)) {
            return conv.forward(doubled);
        }
    }
}
