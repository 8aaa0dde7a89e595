package io.github.jimengstudio.textenc;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import io.github.jimengstudio.tensor.JsonConfig;
import io.github.jimengstudio.tensor.JsonLimits;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shape of a Qwen3 text encoder, read from the model's {@code text_encoder/config.json} (transformers'
 * {@code Qwen3Config}). Only what the forward pass needs is kept; options this port does not implement (attention
 * bias, sliding windows, scaled RoPE, another activation) are refused by name, so an unfamiliar checkpoint fails
 * here instead of producing different embeddings.
 *
 * <p>Z-Image-Turbo's encoder is Qwen3-4B: hidden 2560, 36 layers, 32 heads and 8 key/value heads of 128,
 * intermediate 9728, vocabulary 151936, RoPE theta 1e6, RMSNorm eps 1e-6.
 *
 * @param headDim         per-head width; transformers falls back to hidden/heads when the file has none. For Qwen3
 *                        heads × headDim need not equal the hidden size (32 × 128 = 4096 ≠ 2560).
 * @param bosTokenId      the {@code <|endoftext|>} id the model was trained with, or -1 when the file has none
 * @param eosTokenId      the {@code <|im_end|>} id, or -1 when the file has none
 */
public record Qwen3Config(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        int maxPositionEmbeddings,
        int bosTokenId,
        int eosTokenId) {

    static final double QWEN3_4B_RMS_NORM_EPS = 1e-6;
    static final double QWEN3_4B_ROPE_THETA = 1_000_000.0;
    static final int QWEN3_4B_MAX_POSITIONS = 40960;

    public Qwen3Config {
        positive("hidden_size", hiddenSize);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numHiddenLayers < 2) {
            throw new IllegalArgumentException("num_hidden_layers is " + numHiddenLayers + "; the prompt embedding is"
                    + " the output of the second-to-last layer, so at least 2 layers are needed");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads
                    + " (grouped-query attention shares each key/value head among a whole group of query heads)");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim is " + headDim + "; rotary embeddings need an even width");
        }
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps is " + rmsNormEps + "; it must be a finite number above 0");
        }
        if (!(ropeTheta > 1) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta is " + ropeTheta + "; it must be a finite number above 1");
        }
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " is " + value + "; it must be 1 or more");
        }
    }

    /** The index of the last decoder layer that runs: the pipeline reads {@code hidden_states[-2]}. */
    public int lastLayerUsed() {
        return numHiddenLayers - 2;
    }

    /** Query heads per key/value head. */
    public int queriesPerKeyValue() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Reads {@code text_encoder/config.json}. */
    public static Qwen3Config read(Path file) throws TextEncoderException {
        return parse(JsonConfig.readText(file, "text encoder config", "text_encoder/config.json",
                TextEncoderException::new), file.toString());
    }

    /**
     * The config of a checkpoint that comes without {@code config.json} (ComfyUI's {@code qwen_3_4b.safetensors}),
     * read off its tensor shapes: hidden size and vocabulary from the embedding table, the layer count from the
     * layer indices, head width from {@code q_norm}, head counts from the q/k projections, the MLP width from
     * {@code gate_proj}. What no shape tells — norm eps, RoPE theta, positions — takes Qwen3-4B's values, the only
     * model such files hold.
     */
    public static Qwen3Config fromShapes(WeightSource source) throws IOException {
        Qwen3WeightNames names = Qwen3WeightNames.of(source);
        TensorInfo embed = source.info(names.name(Qwen3WeightNames.EMBED));
        int layers = 0;
        while (source.contains(names.name(Qwen3WeightNames.layer(layers, "input_layernorm.weight")))) {
            layers++;
        }
        if (embed.rank() != 2 || layers == 0) {
            throw new WeightFileException(Qwen3WeightNames.originPath(source), null, "has no usable Qwen3 layout ("
                    + embed + ", " + layers + " layers): not a Qwen3 text encoder checkpoint");
        }
        long headDim = dim(source, names, "self_attn.q_norm.weight", 0);
        if (headDim < 1) {
            throw new WeightFileException(Qwen3WeightNames.originPath(source), null, "q_norm of layer 0 is empty");
        }
        try {
            return new Qwen3Config(
                    Math.toIntExact(embed.dim(1)),
                    layers,
                    Math.toIntExact(dim(source, names, "self_attn.q_proj.weight", 0) / headDim),
                    Math.toIntExact(dim(source, names, "self_attn.k_proj.weight", 0) / headDim),
                    Math.toIntExact(headDim),
                    Math.toIntExact(dim(source, names, "mlp.gate_proj.weight", 0)),
                    Math.toIntExact(embed.dim(0)),
                    QWEN3_4B_RMS_NORM_EPS, QWEN3_4B_ROPE_THETA, QWEN3_4B_MAX_POSITIONS, -1, -1);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new WeightFileException(Qwen3WeightNames.originPath(source), null, "tensor shapes do not form a"
                    + " Qwen3 model: " + e.getMessage());
        }
    }

    private static long dim(WeightSource source, Qwen3WeightNames names, String tensor, int axis) throws IOException {
        return source.info(names.name(Qwen3WeightNames.layer(0, tensor))).dim(axis);
    }

    /** Parses the JSON text of a Qwen3 config; {@code origin} names it in messages. */
    public static Qwen3Config parse(String json, String origin) throws TextEncoderException {
        JsonObject root;
        Raw raw;
        try {
            root = JsonLimits.parseObject(json, origin, "a text encoder config");
        } catch (IllegalArgumentException e) {
            throw new TextEncoderException(e.getMessage() + "; not a valid Qwen3 config", e);
        }
        try {
            raw = new Gson().fromJson(root, Raw.class);
        } catch (JsonParseException | NumberFormatException | IllegalStateException e) {
            throw new TextEncoderException(origin + ": not a valid Qwen3 config (" + JsonLimits.problem(e) + ")", e);
        }
        try {
            return raw.toConfig(root);
        } catch (IllegalArgumentException e) {
            throw new TextEncoderException(origin + ": " + e.getMessage(), e);
        }
    }

    /** The file's fields as gson reads them; absent keys stay null and take transformers' defaults. */
    private static final class Raw {
        @SerializedName("model_type") String modelType;
        @SerializedName("hidden_size") Integer hiddenSize;
        @SerializedName("num_hidden_layers") Integer numHiddenLayers;
        @SerializedName("num_attention_heads") Integer numAttentionHeads;
        @SerializedName("num_key_value_heads") Integer numKeyValueHeads;
        @SerializedName("head_dim") Integer headDim;
        @SerializedName("intermediate_size") Integer intermediateSize;
        @SerializedName("vocab_size") Integer vocabSize;
        @SerializedName("rms_norm_eps") Double rmsNormEps;
        @SerializedName("rope_theta") Double ropeTheta;
        @SerializedName("max_position_embeddings") Integer maxPositionEmbeddings;
        @SerializedName("hidden_act") String hiddenAct;
        @SerializedName("attention_bias") Boolean attentionBias;
        @SerializedName("use_sliding_window") Boolean useSlidingWindow;
        @SerializedName("bos_token_id") Integer bosTokenId;
        @SerializedName("eos_token_id") Integer eosTokenId;

        Qwen3Config toConfig(JsonObject root) {
            if (modelType != null && !modelType.equals("qwen3")) {
                throw new IllegalArgumentException("model_type is '" + modelType + "', but the Z-Image text encoder"
                        + " is a Qwen3 model (model_type 'qwen3'); point the text encoder at Qwen3-4B");
            }
            if (hiddenAct != null && !hiddenAct.equals("silu")) {
                throw new IllegalArgumentException("hidden_act is '" + hiddenAct + "'; only 'silu' (SwiGLU) is"
                        + " implemented, as in Qwen3-4B");
            }
            if (Boolean.TRUE.equals(attentionBias)) {
                throw new IllegalArgumentException("attention_bias is true; Qwen3-4B has no attention biases and this"
                        + " encoder does not implement them");
            }
            if (Boolean.TRUE.equals(useSlidingWindow)) {
                throw new IllegalArgumentException("use_sliding_window is true; only full causal attention is"
                        + " implemented, as Qwen3-4B uses it");
            }
            int hidden = required("hidden_size", hiddenSize);
            int heads = required("num_attention_heads", numAttentionHeads);
            return new Qwen3Config(
                    hidden,
                    required("num_hidden_layers", numHiddenLayers),
                    heads,
                    numKeyValueHeads != null ? numKeyValueHeads : heads,
                    headDim != null ? headDim : hidden / heads,
                    required("intermediate_size", intermediateSize),
                    required("vocab_size", vocabSize),
                    rmsNormEps != null ? rmsNormEps : 1e-6,
                    ropeTheta(root),
                    maxPositionEmbeddings != null ? maxPositionEmbeddings : 32768,
                    bosTokenId != null ? bosTokenId : -1,
                    eosTokenId != null ? eosTokenId : -1);
        }

        /**
         * transformers 4.x writes {@code rope_theta} and {@code rope_scaling}; 5.x writes {@code rope_parameters}
         * {rope_type, rope_theta}. Either way only the default (unscaled) rotary embedding is accepted.
         */
        private Double ropeTheta(JsonObject root) {
            JsonElement scaling = root.get("rope_scaling");
            if (scaling != null && !scaling.isJsonNull()) {
                requireDefaultRope("rope_scaling", scaling);
            }
            JsonElement parameters = root.get("rope_parameters");
            if (parameters != null && !parameters.isJsonNull()) {
                requireDefaultRope("rope_parameters", parameters);
                JsonElement theta = parameters.getAsJsonObject().get("rope_theta");
                if (theta != null && !theta.isJsonNull()) {
                    return theta.getAsDouble();
                }
            }
            return ropeTheta != null ? ropeTheta : 10000.0;
        }

        private static void requireDefaultRope(String key, JsonElement value) {
            JsonElement type = value.isJsonObject() ? value.getAsJsonObject().get("rope_type") : null;
            if (type == null) {
                type = value.isJsonObject() ? value.getAsJsonObject().get("type") : null;
            }
            if (type == null || !type.isJsonPrimitive() || !type.getAsString().equals("default")) {
                throw new IllegalArgumentException(key + " is " + value + "; only the default rotary embedding"
                        + " (rope_scaling null) is implemented, as Qwen3-4B uses it");
            }
        }

        private static int required(String key, Integer value) {
            if (value == null) {
                throw new IllegalArgumentException(key + " is missing; it is needed to build the encoder");
            }
            return value;
        }
    }
}
