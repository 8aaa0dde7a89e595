package io.github.jimengstudio.vae;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import java.io.IOException;

/** The three kinds of parameterised layer of the VAE (encoder and decoder), each loaded by its diffusers name. */
final class Layers {
    private Layers() {}

    /**
     * Frees {@code input} and returns {@code result}: {@code h = closing(h, layer.forward(h))} keeps only one
     * full-resolution activation alive at a time (each is hundreds of MB at 1024×1024).
     */
    static Tensor closing(Tensor input, Tensor result) {
        input.close();
        return result;
    }

    /**
     * Fails when a pass of the VAE {@code part} ("encoder", "decoder") produced non-finite values from finite
     * input: that happens only with damaged weights, and must not reach the user as a black picture or a NaN
     * latent.
     */
    static void requireFinite(float[] output, String part, String input) {
        int bad = 0;
        for (float v : output) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        if (bad > 0) {
            throw new IllegalStateException("the VAE " + part + " produced " + bad + " non-finite values of "
                    + output.length + " from a finite " + input + "; its weights are damaged or not the FLUX VAE's."
                    + " Download the VAE again");
        }
    }

    /** A stride-1 convolution with bias; "same" padding (1 for 3×3, 0 for 1×1). */
    record Conv2d(Tensor weight, Tensor bias, int padding) {
        static Conv2d load(PartWeights w, String name, int in, int out, int kernel) throws IOException {
            return new Conv2d(w.loadConvolution(name + ".weight", out, in, kernel, kernel),
                    w.load(name + ".bias", out), kernel / 2);
        }

        Tensor forward(Tensor x) {
            return Functional.conv2d(x, weight, bias, 1, padding);
        }

        /** Multiply-adds on an output of {@code area} pixels, for {@link LayerProgress}. */
        long cost(long area) {
            long[] k = weight.shape(); // [out, in, kh, kw]
            return k[0] * k[1] * k[2] * k[3] * area;
        }
    }

    /** GroupNorm with affine parameters and the VAE's eps 1e-6. */
    record GroupNorm(Tensor weight, Tensor bias, int groups) {
        static GroupNorm load(PartWeights w, String name, int channels, int groups) throws IOException {
            return new GroupNorm(w.load(name + ".weight", channels), w.load(name + ".bias", channels), groups);
        }

        Tensor forward(Tensor x) {
            return Functional.groupNorm(x, groups, weight, bias, VaeConfig.NORM_EPS);
        }

        /** silu(groupNorm(x)), the pair every resnet and the output head use, in one native call. */
        Tensor forwardSilu(Tensor x) {
            return Functional.groupNormSilu(x, groups, weight, bias, VaeConfig.NORM_EPS);
        }
    }
}
