package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;

import io.github.jimengstudio.runtime.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** diffusers' UpDecoderBlock2D: its resnets, then (all but the last block) a 2× {@link Upsample}. */
final class UpBlock {
    private final List<ResnetBlock> resnets;
    private final Upsample upsample;

    UpBlock(PartWeights w, String name, int in, int out, int layers, boolean upsamples, int groups)
            throws IOException {
        List<ResnetBlock> r = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            r.add(new ResnetBlock(w, name + ".resnets." + j, j == 0 ? in : out, out, groups));
        }
        resnets = List.copyOf(r);
        upsample = upsamples ? new Upsample(w, name + ".upsamplers.0.conv", out) : null;
    }

    /** Multiply-adds on an input of {@code area} pixels, for {@link LayerProgress}. */
    long cost(long area) {
        long sum = upsample == null ? 0 : upsample.cost(area);
        for (ResnetBlock r : resnets) {
            sum += r.cost(area);
        }
        return sum;
    }

    /** Whether the output has twice the input's height and width. */
    boolean upsamples() {
        return upsample != null;
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        return forward(x, LayerProgress.NONE, "");
    }

    /**
     * A new tensor; {@code x} is left to the caller. Reports each resnet and the upsampler to {@code progress}
     * as {@code detail}.
     */
    Tensor forward(Tensor x, LayerProgress progress, String detail) {
        long area = x.dim(2) * x.dim(3);
        Tensor h = resnets.get(0).forward(x);
        progress.done(resnets.get(0).cost(area), detail);
        for (ResnetBlock r : resnets.subList(1, resnets.size())) {
            h = closing(h, r.forward(h));
            progress.done(r.cost(area), detail);
        }
        if (upsample != null) {
            h = closing(h, upsample.forward(h));
            progress.done(upsample.cost(area), detail);
        }
        return h;
    }
}
