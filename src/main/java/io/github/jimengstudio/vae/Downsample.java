package io.github.jimengstudio.vae;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.vae.Layers.Conv2d;
import java.io.IOException;
import java.util.List;

/**
 * diffusers' Downsample2D in the encoder ({@code padding=0}): one row and one column of zeros appended at the
 * bottom and the right ({@code F.pad(x, (0, 1, 0, 1))}), then a 3×3 convolution with stride 2 and no padding, so
 * output cell i reads input rows and columns 2i..2i+2. The padding is asymmetric, which a symmetric convolution
 * padding cannot express: with padding 1 the cell would read 2i-1..2i+1 instead.
 */
final class Downsample implements Resampler {
    private final Conv2d conv;
    private final int channels;

    Downsample(PartWeights w, String name, int channels) throws IOException {
        this.channels = channels;
        conv = Conv2d.load(w, name, channels, channels, 3);
    }

    /** Multiply-adds of the convolution, which produces a quarter of the input's {@code area}. */
    @Override
    public long cost(long area) {
        return 9L * channels * channels * outputArea(area);
    }

    @Override
    public long outputArea(long area) {
        return area / 4;
    }

    /** A new tensor {@code [B, C, H/2, W/2]} (for even H and W); {@code x} is left to the caller. */
    @Override
    public Tensor forward(Tensor x) {
        long b = x.dim(0);
        long c = x.dim(1);
        long h = x.dim(2);
        long w = x.dim(3);
        try (TensorScope s = TensorScope.open()) {
            Tensor right = Tensor.cat(List.of(x, Tensor.zeros(b, c, h, 1)), 3);
            Tensor padded = Tensor.cat(List.of(right, Tensor.zeros(b, c, 1, w + 1)), 2);
            return s.keep(Functional.conv2d(padded, conv.weight(), conv.bias(), 2, 0));
        }
    }
}
