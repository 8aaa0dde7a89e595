package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;

import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.vae.Layers.Conv2d;
import io.github.jimengstudio.vae.Layers.GroupNorm;
import java.io.IOException;

/**
 * diffusers' ResnetBlock2D as the VAE's encoder and decoder use it (no time embedding, output scale 1, dropout 0):
 * {@code shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))))))}, where the shortcut is a 1×1 convolution when
 * the width changes and the identity otherwise.
 */
final class ResnetBlock {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final int in;
    private final int out;

    ResnetBlock(PartWeights w, String name, int in, int out, int groups) throws IOException {
        this.in = in;
        this.out = out;
        norm1 = GroupNorm.load(w, name + ".norm1", in, groups);
        conv1 = Conv2d.load(w, name + ".conv1", in, out, 3);
        norm2 = GroupNorm.load(w, name + ".norm2", out, groups);
        conv2 = Conv2d.load(w, name + ".conv2", out, out, 3);
        convShortcut = in != out ? Conv2d.load(w, name + ".conv_shortcut", in, out, 1) : null;
    }

    /** Multiply-adds of the convolutions on {@code area} pixels, for {@link LayerProgress}. */
    long cost(long area) {
        return (9L * in * out + 9L * out * out + (in != out ? (long) in * out : 0)) * area;
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        Tensor h = norm1.forwardSilu(x);
        h = closing(h, conv1.forward(h));
        h = closing(h, norm2.forwardSilu(h));
        h = closing(h, conv2.forward(h));
        if (convShortcut == null) {
            return h.addInPlace(x);
        }
        try (Tensor shortcut = convShortcut.forward(x)) {
            return h.addInPlace(shortcut);
        }
    }
}
