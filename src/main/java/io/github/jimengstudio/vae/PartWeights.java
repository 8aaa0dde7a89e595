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
 * Loads the weights of one part of the VAE (the {@code decoder.} or the {@code encoder.} tensors) by diffusers name,
 * always in float32 (the VAE never runs in half precision), and remembers which names were used, so that a
 * checkpoint with tensors of that part this architecture does not have is refused instead of half-used.
 */
final class PartWeights {
    private final WeightSource source;
    private final String part;
    private final TensorScope owner;
    private final WeightLoader loader;
    private final Set<String> used = new HashSet<>();

    /** The memory order the convolutions, and so all activations of the part, run in. */
    enum Layout {
        /**
         * Channel-fastest (channels_last): convolutions on a CPU run about 10 % faster with weights and activations
         * in that order (no reorder per call). The decoder's choice.
         */
        CHANNELS_LAST,
        /**
         * Plain NCHW. libtorch's CPU GroupNorm is about 100× less accurate on channels_last input (errors up to
         * 1e-3 instead of 1e-6 on the encoder's full-resolution layers, README-edit §8), which the encoder's
         * golden tolerance of 1e-4 does not allow; the reference encodes contiguous input too.
         */
        CONTIGUOUS
    }

    private final Layout layout;

    /**
     * @param part {@code "decoder"} or {@code "encoder"}: the name prefix whose tensors must all be used
     * @param layout the memory order of the convolution weights
     */
    PartWeights(WeightSource source, String part, Layout layout, TensorScope owner, ComputeDevice device) {
        this.source = source;
        this.part = part;
        this.layout = layout;
        this.owner = owner;
        this.loader = new WeightLoader(source, owner, ElementType.FLOAT32, device);
    }

    /** The weight {@code name}, which must have exactly {@code shape}. */
    Tensor load(String name, long... shape) throws IOException {
        used.add(name);
        return loader.load(name, ElementType.FLOAT32, shape);
    }

    /**
     * A convolution's weight {@code name} [out, in, kh, kw], in the part's {@link Layout}. A weight stored
     * channel-fastest makes the convolution's output channel-fastest too, and every layer after it keeps that order.
     */
    Tensor loadConvolution(String name, long... shape) throws IOException {
        Tensor loaded = load(name, shape);
        if (layout == Layout.CONTIGUOUS) {
            return loaded;
        }
        Tensor reordered = owner.adopt(loaded.channelsLast());
        loaded.close();
        return reordered;
    }

    /**
     * Refuses tensors of this part that were never loaded (the other part's are ignored: a checkpoint holds both,
     * and the encoder and decoder load separately).
     */
    void checkNothingLeft() throws WeightFileException {
        List<String> left = new ArrayList<>();
        for (String name : source.names()) {
            if (name.startsWith(part + ".") && !used.contains(name)) {
                left.add(name);
            }
        }
        if (!left.isEmpty()) {
            throw new WeightFileException(source.origin(), null, left.size() + " " + part + " tensor(s) have no"
                    + " place in the " + part + " that config.json describes (" + String.join(", ",
                    left.subList(0, Math.min(8, left.size()))) + (left.size() > 8 ? ", ..." : "") + "); the config"
                    + " and the weights belong to different VAEs");
        }
    }
}
