package io.github.jimengstudio.vae;

import io.github.jimengstudio.runtime.Tensor;

/** The layer that ends a VAE stage and changes its resolution: {@link Downsample} or {@link Upsample}. */
interface Resampler {

    /** A new tensor at the new resolution; {@code x} is left to the caller. */
    Tensor forward(Tensor x);

    /** Multiply-adds on an input of {@code area} pixels, for {@link LayerProgress}. */
    long cost(long area);

    /** Pixels of the output for an input of {@code area} pixels. */
    long outputArea(long area);
}
