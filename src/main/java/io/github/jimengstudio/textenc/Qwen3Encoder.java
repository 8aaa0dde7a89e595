package io.github.jimengstudio.textenc;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.runtime.WeightLoader;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Qwen3 as Z-Image reads it: token embeddings, then decoder layers 0 .. n−2, and the raw (not normed) output of
 * layer n−2 is the prompt embedding — transformers' {@code hidden_states[-2]}. The last layer and the final norm
 * cannot change that output, so they are neither loaded nor run.
 *
 * <p>One prompt at a time and unpadded: with causal attention and right padding, the reference's padded batch
 * gives the real tokens exactly these values (positions start at 0 either way), so a mask is never needed.
 *
 * <p>The encoder owns its weight source and closes it in {@link #close()}: the embedding rows are read from it on
 * every call.
 */
public final class Qwen3Encoder implements AutoCloseable {

    private final Qwen3Config config;
    private final ElementType computeType;
    private final ComputeDevice device;
    private final WeightSource source;
    private final TensorScope weights;
    private final TokenEmbedding embedTokens;
    private final RotaryEmbedding rotary;
    private final List<Qwen3DecoderLayer> layers;
    private volatile boolean closed;

    private Qwen3Encoder(Qwen3Config config, ElementType computeType, ComputeDevice device, WeightSource source,
            TensorScope weights, TokenEmbedding embedTokens, List<Qwen3DecoderLayer> layers) {
        this.config = config;
        this.computeType = computeType;
        this.device = device;
        this.source = source;
        this.weights = weights;
        this.embedTokens = embedTokens;
        this.rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta());
        this.layers = layers;
    }

    /** Loads the encoder in the runtime's compute type (float32 on the CPU, bfloat16 on CUDA). */
    public static Qwen3Encoder load(Qwen3Config config, WeightSource source) throws IOException {
        return load(config, source, TorchRuntime.get().computeType());
    }

    /**
     * Checks every name, shape and type of {@code source} against {@code config} (nothing is loaded if one is
     * wrong), then loads layers 0 .. n−2 in {@code computeType}. Takes ownership of {@code source}.
     */
    public static Qwen3Encoder load(Qwen3Config config, WeightSource source, ElementType computeType)
            throws IOException {
        return load(config, source, computeType, DeviceScope.current());
    }

    /** {@link #load(Qwen3Config, WeightSource, ElementType)} onto {@code device}, where the forward pass computes. */
    public static Qwen3Encoder load(Qwen3Config config, WeightSource source, ElementType computeType,
            ComputeDevice device) throws IOException {
        Qwen3WeightNames names = Qwen3WeightNames.inspect(source, config);
        TensorScope weights = TensorScope.detached();
        try {
            WeightLoader load = new WeightLoader(source, weights, computeType, device);
            // all at once, before the first of many gigabytes is read (the embedding table is read from the file)
            List<String> loaded = new ArrayList<>();
            for (String canonical : Qwen3WeightNames.expectedShapes(config).keySet()) {
                if (Qwen3WeightNames.usedByForward(canonical, config) && !canonical.equals(Qwen3WeightNames.EMBED)) {
                    loaded.add(names.name(canonical));
                }
            }
            NativeMemory.require(load.hostBytes(loaded), "the text encoder's weights ("
                    + computeType.name().toLowerCase(Locale.ROOT) + " on " + device + ")");
            TokenEmbedding embed = new TokenEmbedding(source, names.name(Qwen3WeightNames.EMBED));
            List<Qwen3DecoderLayer> layers = new ArrayList<>();
            for (int i = 0; i <= config.lastLayerUsed(); i++) {
                layers.add(new Qwen3DecoderLayer(config, load, names, i));
            }
            return new Qwen3Encoder(config, computeType, device, source, weights, embed, List.copyOf(layers));
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    public Qwen3Config config() {
        return config;
    }

    public ElementType computeType() {
        return computeType;
    }

    /** Where the weights are and the forward pass computes. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * The prompt embedding of {@code ids}: {@code [ids.length, hidden]} in the compute type, owned by the caller's
     * innermost scope (or by the caller, when none is open).
     *
     * @throws TextEncoderException for no ids, more ids than positions, or an id outside the vocabulary — before
     *                              any native work
     */
    public Tensor forward(long[] ids) throws IOException {
        return forward(ids, WorkMonitor.NONE, ForwardTrace.NONE);
    }

    Tensor forward(long[] ids, ForwardTrace trace) throws IOException {
        return forward(ids, WorkMonitor.NONE, trace);
    }

    /**
     * {@link #forward(long[])}, telling {@code monitor} of the start (0) and of every decoder layer done
     * ({@code "layer 5/35"}; layers cost alike). If it throws, the pass stops there with every temporary freed,
     * and the encoder stays usable. ({@link PromptEncoder#encode(String, WorkMonitor)} is the public door.)
     */
    Tensor forward(long[] ids, WorkMonitor monitor, ForwardTrace trace) throws IOException {
        if (ids.length == 0) {
            throw new TextEncoderException("no tokens to encode (the chat template always adds some; was it"
                    + " applied?)");
        }
        if (ids.length > config.maxPositionEmbeddings()) {
            throw new TextEncoderException(ids.length + " tokens exceed the text encoder's "
                    + config.maxPositionEmbeddings() + " positions (max_position_embeddings)");
        }
        if (closed) {
            throw new IllegalStateException("this text encoder is closed");
        }
        int n = layers.size();
        monitor.progress(0, "");
        try (DeviceScope on = DeviceScope.use(device); TensorScope scope = TensorScope.open()) {
            Tensor h = embedTokens.lookup(ids, computeType);
            trace.record("hidden_states.0", h);
            Tensor[] cosSin = rotary.forLength(ids.length);
            for (int i = 0; i < layers.size(); i++) {
                Tensor next = layers.get(i).forward(h, cosSin[0], cosSin[1], trace);
                trace.record("hidden_states." + (i + 1), next);
                h.close(); // one hidden state alive at a time
                h = next;
                monitor.progress(i + 1 == n ? 1.0 : (double) (i + 1) / n, "layer " + (i + 1) + "/" + n);
            }
            return scope.keep(h);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        weights.close();
        source.close();
    }
}
