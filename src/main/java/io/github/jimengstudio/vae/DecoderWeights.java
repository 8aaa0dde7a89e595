package io.github.jimengstudio.vae;

import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Loads the decoder's weights by diffusers name, always in float32 (the VAE never runs in half precision), and
 * remembers which names were used, so that a checkpoint with decoder tensors this architecture does not have is
 * refused instead of half-used.
 */
final class DecoderWeights {
    private final WeightSource source;
    private final TensorScope owner;
    private final WeightLoader loader;
    private final Set<String> used = new HashSet<>();

    DecoderWeights(WeightSource source, TensorScope owner, ComputeDevice device) {
        this.source = source;
        this.owner = owner;
        this.loader = new WeightLoader(source, owner, ElementType.FLOAT32, device);
    }

    /** The weight {@code name}, which must have exactly {@code shape}. */
    Tensor load(String name, long... shape) throws IOException {
        used.add(name);
        return loader.load(name, ElementType.FLOAT32, shape);
    }

    /**
     * A convolution's weight {@code name} [out, in, kh, kw], stored channel-fastest: convolutions on a CPU run about
     * 10 % faster with weights and activations in that order (no reorder per call). The loaded original is freed.
     */
    Tensor loadChannelsLast(String name, long... shape) throws IOException {
        Tensor loaded = load(name, shape);
        Tensor reordered = owner.adopt(loaded.channelsLast());
        loaded.close();
        return reordered;
    }

    /** Refuses decoder tensors that were never loaded (the encoder's are ignored: this class only decodes). */
    void checkNothingLeft() throws WeightFileException {
        List<String> left = new ArrayList<>();
        for (String name : source.names()) {
            if (name.startsWith("decoder.") && !used.contains(name)) {
                left.add(name);
            }
        }
        if (!left.isEmpty()) {
            throw new WeightFileException(source.origin(), null, left.size() + " decoder tensor(s) have no place"
                    + " in the decoder that config.json describes (" + String.join(", ",
                    left.subList(0, Math.min(8, left.size()))) + (left.size() > 8 ? ", ..." : "") + "); the config"
                    + " and the weights belong to different VAEs");
        }
    }
}
