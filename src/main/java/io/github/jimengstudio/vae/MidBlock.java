package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;

import io.github.jimengstudio.runtime.Tensor;
import java.io.IOException;

/** diffusers' UNetMidBlock2D of the encoder and the decoder: resnet, attention, resnet, all at the deepest width. */
final class MidBlock {
    private final ResnetBlock resnet0;
    private final MidAttention attention;
    private final ResnetBlock resnet1;

    MidBlock(PartWeights w, String name, int channels, int groups) throws IOException {
        resnet0 = new ResnetBlock(w, name + ".resnets.0", channels, channels, groups);
        attention = new MidAttention(w, name + ".attentions.0", channels, groups);
        resnet1 = new ResnetBlock(w, name + ".resnets.1", channels, channels, groups);
    }

    /** Multiply-adds on {@code area} latent cells, for {@link LayerProgress}. */
    long cost(long area) {
        return resnet0.cost(area) + attention.cost(area) + resnet1.cost(area);
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        return forward(x, LayerProgress.NONE);
    }

    /** A new tensor; {@code x} is left to the caller. Reports each of its three layers to {@code progress}. */
    Tensor forward(Tensor x, LayerProgress progress) {
        long area = x.dim(2) * x.dim(3);
        Tensor h = resnet0.forward(x);
        progress.done(resnet0.cost(area), "mid block");
        h = closing(h, attention.forward(h));
        progress.done(attention.cost(area), "mid block");
        h = closing(h, resnet1.forward(h));
        progress.done(resnet1.cost(area), "mid block");
        return h;
    }
}
