package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.vae.VaeConfig;
import java.io.IOException;

/**
 * The transformer's and the VAE's configurations: their {@code config.json} when the layout has one, otherwise
 * (ComfyUI single files) what the tensor shapes and the Z-Image-Turbo release fix
 * ({@link ZImageTransformerConfig#fromShapes}, {@link VaeConfig#flux}). The text encoder reads its own
 * ({@code Qwen3Config.fromShapes}).
 */
final class ComponentConfigs {
    private ComponentConfigs() {}

    static ZImageTransformerConfig transformer(ComponentFiles files) throws IOException {
        if (files.config().isPresent()) {
            return ZImageTransformerConfig.read(files.config().get());
        }
        try (WeightSource source = WeightSources.open(files.weights())) {
            return ZImageTransformerConfig.fromShapes(source);
        }
    }

    static VaeConfig vae(ComponentFiles files) throws IOException {
        return files.config().isPresent() ? VaeConfig.read(files.config().get()) : VaeConfig.flux();
    }
}
