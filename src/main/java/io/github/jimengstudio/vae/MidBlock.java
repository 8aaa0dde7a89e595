package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;

import io.github.jimengstudio.runtime.Tensor;
import java.io.IOException;

/** diffusers' UNetMidBlock2D in the decoder: resnet, attention, resnet, all at the deepest width. */
final class MidBlock {
    private final ResnetBlock resnet0;
    private final MidAttention attention;
    private final ResnetBlock resnet1;

    MidBlock(DecoderWeights w, String name, int channels, int groups) throws IOException {
        resnet0 = new ResnetBlock(w, name + ".resnets.0", channels, channels, groups);
        attention = new MidAttention(w, name + ".attentions.0", channels, groups);
        resnet1 = new ResnetBlock(w, name + ".resnets.1", channels, channels, groups);
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        Tensor h = resnet0.forward(x);
        h = closing(h, attention.forward(h));
        return closing(h, resnet1.forward(h));
    }
}
