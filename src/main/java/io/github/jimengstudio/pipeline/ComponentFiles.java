package io.github.jimengstudio.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one network's files are.
 *
 * @param name        {@code transformer}, {@code text_encoder} or {@code vae}
 * @param weights     the file to open: a single {@code .safetensors}, or a {@code .safetensors.index.json} for shards
 * @param weightFiles every safetensors file the weights live in (the single file, or each shard the index names, once)
 * @param config      the component's {@code config.json}; empty for ComfyUI single files, whose configuration must
 *                    be inferred from the tensor shapes (the network's own helper does that)
 * @param naming      the tensor naming of the weight file
 */
public record ComponentFiles(String name, Path weights, List<Path> weightFiles, Optional<Path> config,
        KeyNaming naming) {

    public ComponentFiles {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(weights, "weights");
        weightFiles = List.copyOf(weightFiles);
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(naming, "naming");
        if (weightFiles.isEmpty()) {
            throw new IllegalArgumentException(name + ": no weight files");
        }
    }

    /** True when {@link #weights} is a shard index rather than the weight file itself. */
    public boolean sharded() {
        return weights.getFileName().toString().endsWith(".index.json");
    }

    /** True when there is no config.json and the configuration has to be read off the tensor shapes. */
    public boolean configFromShapes() {
        return config.isEmpty();
    }
}
