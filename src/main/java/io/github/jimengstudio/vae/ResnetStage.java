package io.github.jimengstudio.vae;

import static io.github.jimengstudio.vae.Layers.closing;

import io.github.jimengstudio.runtime.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One stage of the VAE: diffusers' DownEncoderBlock2D in the encoder, UpDecoderBlock2D in the decoder. Both are a
 * run of resnets followed, in all but the last stage, by a resampler: a 2× {@link Downsample} in the encoder, a 2×
 * {@link Upsample} in the decoder.
 */
final class ResnetStage {
    private final List<ResnetBlock> resnets;
    private final Resampler resampler;

    private ResnetStage(List<ResnetBlock> resnets, Resampler resampler) {
        this.resnets = List.copyOf(resnets);
        this.resampler = resampler;
    }

    /** {@code decoder.up_blocks.i}: {@code layers} resnets, then an {@link Upsample} when {@code resamples}. */
    static ResnetStage up(PartWeights w, String name, int in, int out, int layers, boolean resamples, int groups)
            throws IOException {
        return new ResnetStage(resnets(w, name, in, out, layers, groups),
                resamples ? new Upsample(w, name + ".upsamplers.0.conv", out) : null);
    }

    /** {@code encoder.down_blocks.i}: {@code layers} resnets, then a {@link Downsample} when {@code resamples}. */
    static ResnetStage down(PartWeights w, String name, int in, int out, int layers, boolean resamples, int groups)
            throws IOException {
        return new ResnetStage(resnets(w, name, in, out, layers, groups),
                resamples ? new Downsample(w, name + ".downsamplers.0.conv", out) : null);
    }

    private static List<ResnetBlock> resnets(PartWeights w, String name, int in, int out, int layers, int groups)
            throws IOException {
        List<ResnetBlock> r = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            r.add(new ResnetBlock(w, name + ".resnets." + j, j == 0 ? in : out, out, groups));
        }
        return r;
    }

    /** Multiply-adds on an input of {@code area} pixels, for {@link LayerProgress}. */
    long cost(long area) {
        long sum = resampler == null ? 0 : resampler.cost(area);
        for (ResnetBlock r : resnets) {
            sum += r.cost(area);
        }
        return sum;
    }

    /** Pixels of the output for an input of {@code area} pixels. */
    long outputArea(long area) {
        return resampler == null ? area : resampler.outputArea(area);
    }

    /** A new tensor; {@code x} is left to the caller. */
    Tensor forward(Tensor x) {
        return forward(x, LayerProgress.NONE, "");
    }

    /**
     * A new tensor; {@code x} is left to the caller. Reports each resnet and the resampler to {@code progress}
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
        if (resampler != null) {
            h = closing(h, resampler.forward(h));
            progress.done(resampler.cost(area), detail);
        }
        return h;
    }
}
