package io.github.jimengstudio.dit;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import java.io.IOException;
import java.util.List;

/**
 * The output head (spec §4.8): LayerNorm without affine (eps 1e-6), scaled by 1 + Linear(SiLU(c)), then a linear
 * map back to patch values.
 */
final class FinalLayer {

    private static final float NORM_EPS = 1e-6f;

    private final Linear adaLNModulation;
    private final Linear linear;

    FinalLayer(WeightLoader w, ZImageTransformerConfig c) throws IOException {
        String name = "all_final_layer." + c.patchKey();
        adaLNModulation = Linear.load(w, name + ".adaLN_modulation.1", c.adalnDim(), c.dim(), true);
        linear = Linear.load(w, name + ".linear", c.dim(), c.patchFeatures(), true);
    }

    List<Linear> linears() {
        return List.of(adaLNModulation, linear);
    }

    /** x [B, S, dim], c [B, adaln_dim] → [B, S, patch_features]. */
    Tensor forward(Tensor x, Tensor c) {
        try (TensorScope s = TensorScope.open()) {
            Tensor scale = adaLNModulation.forward(c.silu()).add(1f).unsqueeze(1);
            return s.keep(linear.forward(Functional.layerNorm(x, NORM_EPS).mul(scale)));
        }
    }
}
