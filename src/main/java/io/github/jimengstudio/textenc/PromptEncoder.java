package io.github.jimengstudio.textenc;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.ComputeDevice;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Prompt text in, DiT caption features out: chat template, tokenizer (at most {@value #MAX_TOKENS} tokens, with a
 * warning when the prompt is cut), then the Qwen3 encoder — what diffusers' {@code ZImagePipeline._encode_prompt}
 * does for one prompt. With a cache, a prompt already encoded by the same model is not encoded again.
 */
public final class PromptEncoder implements AutoCloseable {

    /** diffusers' {@code max_sequence_length} default, which Z-Image uses. */
    public static final int MAX_TOKENS = 512;

    private final QwenTokenizer tokenizer;
    private final Qwen3Encoder encoder;
    private final ChatTemplate template;
    private final String modelIdentity;
    private final PromptEmbeddingCache cache;

    /**
     * @param modelIdentity names the weights (e.g. the model folder and revision, or a fingerprint); embeddings
     *                      are cached under it together with the compute type
     * @param cache         shared across encoders, or null for none
     */
    public PromptEncoder(QwenTokenizer tokenizer, Qwen3Encoder encoder, ChatTemplate template, String modelIdentity,
            PromptEmbeddingCache cache) throws TextEncoderException {
        checkCompatible(tokenizer, encoder.config());
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.template = Objects.requireNonNull(template, "template");
        this.modelIdentity = Objects.requireNonNull(modelIdentity, "modelIdentity") + " [" + encoder.computeType()
                + "]";
        this.cache = cache;
    }

    /** {@link #open(Path, Path, WeightSource, String, PromptEmbeddingCache, ElementType)} in the runtime's type. */
    public static PromptEncoder open(Path tokenizer, Path config, WeightSource weights, String modelIdentity,
            PromptEmbeddingCache cache) throws IOException {
        return open(tokenizer, config, weights, modelIdentity, cache, TorchRuntime.get().computeType());
    }

    /**
     * Opens a prompt encoder from a model's files. Everything that can be wrong — the config, the tokenizer, the
     * tokenizer against the config, every weight name and shape — is checked before the weights are loaded.
     *
     * @param tokenizer   the {@code tokenizer/} folder or its {@code tokenizer.json}
     * @param config      {@code text_encoder/config.json}, or null to read the config off the tensor shapes
     *                    (ComfyUI's single file has none)
     * @param weights     the text encoder's tensors; the encoder takes ownership
     */
    public static PromptEncoder open(Path tokenizer, Path config, WeightSource weights, String modelIdentity,
            PromptEmbeddingCache cache, ElementType computeType) throws IOException {
        return open(tokenizer, config, weights, modelIdentity, cache, computeType, DeviceScope.current());
    }

    /**
     * {@link #open(Path, Path, WeightSource, String, PromptEmbeddingCache, ElementType)} with the encoder on
     * {@code device}. The embeddings it returns are host floats, so they cross to the transformer's device (and
     * type) explicitly where the pipeline makes tensors of them.
     */
    public static PromptEncoder open(Path tokenizer, Path config, WeightSource weights, String modelIdentity,
            PromptEmbeddingCache cache, ElementType computeType, ComputeDevice device) throws IOException {
        QwenTokenizer tok = null;
        Qwen3Encoder enc = null;
        try {
            Qwen3Config cfg = config != null ? Qwen3Config.read(config) : Qwen3Config.fromShapes(weights);
            tok = QwenTokenizer.open(tokenizer);
            checkCompatible(tok, cfg);
            enc = Qwen3Encoder.load(cfg, weights, computeType, device);
            return new PromptEncoder(tok, enc, ChatTemplate.QWEN3_USER_TURN, modelIdentity, cache);
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            if (enc != null) {
                enc.close();
            } else {
                weights.close();
            }
            throw e;
        }
    }

    /**
     * The tokenizer must address rows the embedding table has, and where the config names its special tokens
     * ({@code bos_token_id}, {@code eos_token_id}) they must be the tokenizer's: a tokenizer of another model, or
     * a tokenizer.json whose added tokens were silently renumbered, fails here instead of encoding garbage.
     */
    static void checkCompatible(QwenTokenizer tokenizer, Qwen3Config config) throws TextEncoderException {
        long[] specials = {tokenizer.endOfTextId(), tokenizer.imStartId(), tokenizer.imEndId()};
        for (long id : specials) {
            if (id >= config.vocabSize()) {
                throw new TextEncoderException(tokenizer.file() + ": the tokenizer's special tokens use id " + id
                        + ", but the text encoder's vocabulary has only " + config.vocabSize() + " entries (vocab_size):"
                        + " the tokenizer and the text encoder come from different models");
            }
        }
        checkSpecial(tokenizer, "bos_token_id", config.bosTokenId(), specials);
        checkSpecial(tokenizer, "eos_token_id", config.eosTokenId(), specials);
    }

    private static void checkSpecial(QwenTokenizer tokenizer, String key, int id, long[] specials)
            throws TextEncoderException {
        if (id < 0) {
            return;
        }
        for (long s : specials) {
            if (s == id) {
                return;
            }
        }
        throw new TextEncoderException(tokenizer.file() + ": the text encoder's config.json has " + key + " " + id
                + ", but in this tokenizer <|endoftext|>, <|im_start|> and <|im_end|> are " + specials[0] + ", "
                + specials[1] + " and " + specials[2] + ": the tokenizer and the text encoder come from different"
                + " models");
    }

    /** The templated prompt's ids, as the encoder would read them. */
    public TokenizedPrompt tokenize(String prompt) throws TextEncoderException {
        return tokenizer.encode(template.apply(prompt), MAX_TOKENS);
    }

    /**
     * The prompt's embedding {@code [Lc, hidden]}, from the cache when this model already encoded this prompt.
     * {@link PromptEmbedding#warning()} tells whether the prompt was cut at {@value #MAX_TOKENS} tokens.
     */
    public PromptEmbedding encode(String prompt) throws IOException {
        return encode(prompt, WorkMonitor.NONE);
    }

    /**
     * {@link #encode(String)}, telling {@code monitor} of the start (0) and of each encoder layer done
     * ({@code "layer 5/35"}); nothing when the cache has the prompt. If it throws, the pass stops between layers with
     * every temporary freed, nothing is cached, and the encoder stays usable.
     */
    public PromptEmbedding encode(String prompt, WorkMonitor monitor) throws IOException {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(monitor, "monitor");
        if (cache == null) {
            return run(prompt, monitor);
        }
        return cache.get(new PromptEmbeddingCache.Key(modelIdentity, template.identity(), prompt),
                () -> run(prompt, monitor));
    }

    private PromptEmbedding run(String prompt, WorkMonitor monitor) throws IOException {
        TokenizedPrompt tokens = tokenize(prompt);
        try (TensorScope scope = TensorScope.open()) {
            Tensor hidden = encoder.forward(tokens.ids(), monitor, ForwardTrace.NONE);
            return new PromptEmbedding(hidden.toFloatArray(), encoder.config().hiddenSize(), tokens);
        }
    }

    public ChatTemplate template() {
        return template;
    }

    /** The identity embeddings are cached under: the given model identity and the compute type. */
    public String modelIdentity() {
        return modelIdentity;
    }

    public Qwen3Encoder encoder() {
        return encoder;
    }

    public QwenTokenizer tokenizer() {
        return tokenizer;
    }

    /** Closes the tokenizer and the encoder (and its weights); the cache is the caller's and stays. */
    @Override
    public void close() throws IOException {
        tokenizer.close();
        encoder.close();
    }
}
