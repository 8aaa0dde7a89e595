package io.github.jimengstudio.lora;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.testing.Tolerance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * golden/lora-tiny with transformer-tiny's weights, opened once per test JVM (read-only mappings, released at exit),
 * and the layer-level reference computations the runtime tests compare against.
 */
final class LoraTiny {
    private LoraTiny() {}

    static final SafetensorsFile MODEL = open("transformer-tiny/diffusion_pytorch_model.safetensors");
    static final SafetensorsFile EXPECTED_DELTA = open("lora-tiny/expected_delta_w.safetensors");
    static final LoraTargets TARGETS = targets();

    private static SafetensorsFile open(String path) {
        try {
            return SafetensorsFile.open(Golden.file(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LoraTargets targets() {
        try {
            return LoraTargets.fromWeights(MODEL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Lora parse(String file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("lora-tiny/" + file + ".safetensors"))) {
            return new LoraParser(TARGETS).parse(file, f);
        }
    }

    /** A different LoRA on the same targets: B scaled by -1.5 (exact), so its ΔW is -1.5 times the original's. */
    static Lora negated(Lora base) {
        List<LoraAdapter> out = new ArrayList<>();
        for (LoraAdapter a : base.adapters()) {
            float[] b = a.b().clone();
            for (int i = 0; i < b.length; i++) {
                b[i] *= -1.5f;
            }
            out.add(new LoraAdapter(a.target(), a.rank(), a.in(), a.out(), a.a(), b, a.scale()));
        }
        return new Lora(base.name() + "-negated", base.format(), out, List.of());
    }

    static float[] input(int rows, int in) {
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((i * 7919) % 2001 - 1000) / 1000f;
        }
        return x;
    }

    /** One layer's output through the switch: {@code adapter(x, x·Wᵀ)}. */
    static float[] forward(LoraSwitch sw, String weight, float[] x, int rows) throws IOException {
        try (TensorScope s = TensorScope.open()) {
            long[] shape = MODEL.info(weight).shape();
            Tensor w = Tensor.of(MODEL.floats(weight), shape);
            Tensor xt = Tensor.of(x, rows, shape[1]);
            return sw.adapterFor(weight).apply(xt, Functional.linear(xt, w, null)).toFloatArray();
        }
    }

    /** {@code x · (W + s·ΔW_expected)ᵀ}: the merged reference. */
    static float[] merged(String weight, float[] x, int rows, float s) throws IOException {
        try (TensorScope scope = TensorScope.open()) {
            long[] shape = MODEL.info(weight).shape();
            float[] w = MODEL.floats(weight);
            float[] dw = EXPECTED_DELTA.floats(weight);
            for (int i = 0; i < w.length; i++) {
                w[i] = w[i] + s * dw[i];
            }
            return Functional.linear(Tensor.of(x, rows, shape[1]), Tensor.of(w, shape), null).toFloatArray();
        }
    }

    /** The golden float32 tolerance scheme, tightened to 1e-5 for single layers. */
    static void assertClose(float[] want, float[] got, String what) {
        Tolerance.assertWithin(want, got, 1e-5, 1e-5, what);
    }
}
