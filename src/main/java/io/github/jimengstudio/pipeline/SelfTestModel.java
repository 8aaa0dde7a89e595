package io.github.jimengstudio.pipeline;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.dit.ZImageWeightNames;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.textenc.Qwen3Config;
import io.github.jimengstudio.textenc.Qwen3WeightNames;
import io.github.jimengstudio.textenc.QwenTokenizerJson;
import io.github.jimengstudio.vae.VaeConfig;
import io.github.jimengstudio.vae.VaeWeights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A complete, tiny Z-Image model with random weights, written in the Hugging Face layout with this project's own
 * safetensors writer: the self-test runs the whole pipeline on it to check a machine's native engine without a
 * download. The structure is the real one (same names, same layers, sharding aside); only the widths are small.
 * The pictures are coloured noise.
 *
 * <p>Weights are drawn from {@link TorchCpuRandom} with fixed seeds, so the folder is the same on every machine:
 * norm gains 1 + 0.1·N, biases 0.02·N, pad tokens 0.5·N, matrices N/√fan_in.
 */
public final class SelfTestModel {
    private SelfTestModel() {}

    /** The tokenizer: the 256 byte-level symbols, no merges, and Qwen's three special tokens after them. */
    static final int BYTE_TOKENS = 256;

    /**
     * The widths of a self-test model.
     *
     * @param textEncoder the Qwen3 text encoder's config (the prompt embedding is the output of its second-to-last
     *                    layer)
     * @param transformer the DiT's; its caption width is the text encoder's hidden size
     * @param vae         the VAE's (always the FLUX layout: 4 blocks, 16 latent channels, scaling and shift)
     */
    public record Scale(String name, Qwen3ConfigJson textEncoder, ZImageTransformerConfig transformer, VaeConfig vae) {

        /** Seconds to write and run: hidden 64, DiT width 96 (3 heads of 32), VAE widths 8..32. */
        public static final Scale TINY = new Scale("tiny", new Qwen3ConfigJson(64, 2, 4, 2, 16, 128, BYTE_TOKENS + 3),
                new ZImageTransformerConfig(2, 1, 16, 96, 2, 1, 3, 3, 1e-5, true, 64, 256.0, 1000.0,
                        new int[] {8, 12, 12}, new int[] {1536, 512, 512}),
                new VaeConfig(16, 3, List.of(8, 16, 32, 32), 1, 4, 0.3611, 0.1159));

        /**
         * The "mid" size the network benchmarks use (about 1.2 GB of float32): text encoder hidden 1024, 8 layers,
         * 16/4 heads of 64, MLP 3072; DiT width 1024, 8 layers, 2+2 refiners, 16 heads of 64; the real FLUX VAE
         * widths 128..512 with 32 groups.
         */
        public static final Scale MID = new Scale("mid", new Qwen3ConfigJson(1024, 8, 16, 4, 64, 3072,
                BYTE_TOKENS + 3), new ZImageTransformerConfig(2, 1, 16, 1024, 8, 2, 16, 16, 1e-5, true, 1024, 256.0,
                1000.0, new int[] {16, 24, 24}, new int[] {1536, 512, 512}), VaeConfig.flux());
    }

    /** The fields of a Qwen3 {@code config.json} this writer sets. */
    public record Qwen3ConfigJson(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, int vocab) {
        JsonObject json() {
            JsonObject o = new JsonObject();
            JsonArray arch = new JsonArray();
            arch.add("Qwen3ForCausalLM");
            o.add("architectures", arch);
            o.addProperty("model_type", "qwen3");
            o.addProperty("hidden_size", hidden);
            o.addProperty("num_hidden_layers", layers);
            o.addProperty("num_attention_heads", heads);
            o.addProperty("num_key_value_heads", kvHeads);
            o.addProperty("head_dim", headDim);
            o.addProperty("intermediate_size", intermediate);
            o.addProperty("vocab_size", vocab);
            o.addProperty("hidden_act", "silu");
            o.addProperty("rms_norm_eps", 1e-6);
            o.addProperty("rope_theta", 1000000.0);
            o.addProperty("attention_bias", false);
            o.addProperty("tie_word_embeddings", true);
            o.addProperty("bos_token_id", BYTE_TOKENS);
            o.addProperty("eos_token_id", BYTE_TOKENS + 2);
            o.addProperty("torch_dtype", "float32");
            return o;
        }
    }

    /** Writes the {@link Scale#TINY} model into {@code folder} (created if needed) and returns it. */
    public static Path write(Path folder) throws IOException {
        return write(folder, Scale.TINY);
    }

    /** Writes a model of the given scale into {@code folder} (created if needed) and returns it. */
    public static Path write(Path folder, Scale scale) throws IOException {
        Files.createDirectories(folder);
        JsonObject index = new JsonObject();
        index.addProperty("_class_name", "ZImagePipeline");
        index.add("scheduler", pair("diffusers", "FlowMatchEulerDiscreteScheduler"));
        index.add("text_encoder", pair("transformers", "Qwen3Model"));
        index.add("tokenizer", pair("transformers", "Qwen2Tokenizer"));
        index.add("transformer", pair("diffusers", ZImageTransformerConfig.CLASS_NAME));
        index.add("vae", pair("diffusers", VaeConfig.CLASS_NAME));
        json(folder.resolve("model_index.json"), index);

        JsonObject scheduler = new JsonObject();
        scheduler.addProperty("_class_name", "FlowMatchEulerDiscreteScheduler");
        scheduler.addProperty("num_train_timesteps", 1000);
        scheduler.addProperty("shift", 3.0);
        scheduler.addProperty("use_dynamic_shifting", false);
        json(folder.resolve("scheduler/scheduler_config.json"), scheduler);

        Qwen3ConfigJson te = scale.textEncoder();
        Path teConfig = folder.resolve("text_encoder/config.json");
        json(teConfig, te.json());
        Qwen3Config parsed = Qwen3Config.read(teConfig);
        weights(folder.resolve("text_encoder/model.safetensors"), "model.", Qwen3WeightNames.expectedShapes(parsed),
                1);
        tokenizer(folder.resolve("tokenizer/tokenizer.json"));

        ZImageTransformerConfig dit = scale.transformer();
        json(folder.resolve("transformer/config.json"), transformerJson(dit));
        weights(folder.resolve("transformer/diffusion_pytorch_model.safetensors"), "",
                ZImageWeightNames.shapes(dit), 2);

        VaeConfig vae = scale.vae();
        json(folder.resolve("vae/config.json"), vaeJson(vae));
        weights(folder.resolve("vae/diffusion_pytorch_model.safetensors"), "", VaeWeights.decoderShapes(vae), 3);
        return folder;
    }

    private static JsonArray pair(String library, String type) {
        JsonArray a = new JsonArray();
        a.add(library);
        a.add(type);
        return a;
    }

    private static JsonObject transformerJson(ZImageTransformerConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", ZImageTransformerConfig.CLASS_NAME);
        o.add("all_patch_size", ints(c.patchSize()));
        o.add("all_f_patch_size", ints(c.framePatchSize()));
        o.addProperty("in_channels", c.inChannels());
        o.addProperty("dim", c.dim());
        o.addProperty("n_layers", c.nLayers());
        o.addProperty("n_refiner_layers", c.nRefinerLayers());
        o.addProperty("n_heads", c.nHeads());
        o.addProperty("n_kv_heads", c.nKvHeads());
        o.addProperty("norm_eps", c.normEps());
        o.addProperty("qk_norm", c.qkNorm());
        o.addProperty("cap_feat_dim", c.capFeatDim());
        o.addProperty("rope_theta", c.ropeTheta());
        o.addProperty("t_scale", c.tScale());
        o.add("axes_dims", ints(c.axesDims()));
        o.add("axes_lens", ints(c.axesLens()));
        return o;
    }

    private static JsonObject vaeJson(VaeConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", VaeConfig.CLASS_NAME);
        o.addProperty("in_channels", 3);
        o.addProperty("out_channels", c.outChannels());
        o.addProperty("latent_channels", c.latentChannels());
        o.add("block_out_channels", ints(c.blockOutChannels().stream().mapToInt(Integer::intValue).toArray()));
        JsonArray down = new JsonArray();
        JsonArray up = new JsonArray();
        for (int i = 0; i < c.upBlockCount(); i++) {
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        o.add("down_block_types", down);
        o.add("up_block_types", up);
        o.addProperty("layers_per_block", c.layersPerBlock());
        o.addProperty("norm_num_groups", c.normNumGroups());
        o.addProperty("act_fn", "silu");
        o.addProperty("scaling_factor", c.scalingFactor());
        o.addProperty("shift_factor", c.shiftFactor());
        o.addProperty("mid_block_add_attention", true);
        o.addProperty("use_quant_conv", false);
        o.addProperty("use_post_quant_conv", false);
        return o;
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static void json(Path file, JsonObject o) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n",
                StandardCharsets.UTF_8);
    }

    /** Random F32 tensors for every name of {@code shapes} (prefixed), one generator per file. */
    private static void weights(Path file, String prefix, Map<String, long[]> shapes, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        TorchCpuRandom random = new TorchCpuRandom(seed);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            long numel = 1;
            for (long d : shape) {
                numel *= d;
            }
            float[] v = random.randn(numel);
            float scale;
            float offset = 0f;
            if (name.endsWith("pad_token")) {
                scale = 0.5f;
            } else if (shape.length == 1 && name.endsWith(".bias")) {
                scale = 0.02f;
            } else if (shape.length == 1) {
                scale = 0.1f; // a norm gain
                offset = 1f;
            } else {
                scale = (float) (1 / Math.sqrt(numel / shape[0]));
            }
            for (int k = 0; k < v.length; k++) {
                v[k] = offset + scale * v[k];
            }
            w.add(prefix + name, DType.F32, shape, v);
        }
        w.write(file);
    }

    /** Qwen2's byte-level vocabulary with no merges; the special tokens follow at ids 256..258. */
    private static void tokenizer(Path file) throws IOException {
        QwenTokenizerJson.write(file, QwenTokenizerJson.byteLevelVocabulary(), BYTE_TOKENS, List.of());
    }
}
