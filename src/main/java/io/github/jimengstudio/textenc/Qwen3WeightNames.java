package io.github.jimengstudio.textenc;

import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a Qwen3 checkpoint keeps each tensor, checked against the config before anything is loaded.
 *
 * <p>The HF shards of Z-Image-Turbo come from a {@code Qwen3ForCausalLM} and name tensors {@code model.layers.…};
 * a {@code Qwen3Model.save_pretrained} output and some single-file exports drop the {@code model.} prefix.
 * Both are accepted (transformers accepts both too); a file mixing them is not. Canonical names here are the ones
 * without the prefix, e.g. {@code layers.3.self_attn.q_proj.weight}.
 *
 * <p>Checked before any byte is read: every tensor the forward pass uses is present, floating-point and shaped as
 * the config says; nothing unknown is present (a Qwen3 name we do not know, such as an attention bias, would mean
 * a different architecture). The last layer and the final norm are never used but are validated when present;
 * {@code lm_head.weight} is ignored.
 */
public final class Qwen3WeightNames {

    static final String PREFIX = "model.";
    static final String LM_HEAD = "lm_head.weight";
    static final String EMBED = "embed_tokens.weight";
    static final String FINAL_NORM = "norm.weight";

    private final String prefix;

    private Qwen3WeightNames(String prefix) {
        this.prefix = prefix;
    }

    /** The name of tensor {@code canonical} in the checkpoint. */
    public String name(String canonical) {
        return prefix + canonical;
    }

    /** {@code "model."} or {@code ""}. */
    public String prefix() {
        return prefix;
    }

    /** Canonical name of a tensor of decoder layer {@code layer}, e.g. {@code layer(2, "mlp.up_proj.weight")}. */
    public static String layer(int layer, String tensor) {
        return "layers." + layer + "." + tensor;
    }

    /** Shapes of every tensor a Qwen3 model with this config has (canonical names, module order). */
    public static Map<String, long[]> expectedShapes(Qwen3Config c) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long ff = c.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED, new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            shapes.put(layer(i, "input_layernorm.weight"), new long[] {h});
            shapes.put(layer(i, "self_attn.q_proj.weight"), new long[] {q, h});
            shapes.put(layer(i, "self_attn.k_proj.weight"), new long[] {kv, h});
            shapes.put(layer(i, "self_attn.v_proj.weight"), new long[] {kv, h});
            shapes.put(layer(i, "self_attn.o_proj.weight"), new long[] {h, q});
            shapes.put(layer(i, "self_attn.q_norm.weight"), new long[] {c.headDim()});
            shapes.put(layer(i, "self_attn.k_norm.weight"), new long[] {c.headDim()});
            shapes.put(layer(i, "post_attention_layernorm.weight"), new long[] {h});
            shapes.put(layer(i, "mlp.gate_proj.weight"), new long[] {ff, h});
            shapes.put(layer(i, "mlp.up_proj.weight"), new long[] {ff, h});
            shapes.put(layer(i, "mlp.down_proj.weight"), new long[] {h, ff});
        }
        shapes.put(FINAL_NORM, new long[] {h});
        return shapes;
    }

    /** True for the tensors the prompt embedding depends on: the embeddings and layers 0 .. n-2. */
    static boolean usedByForward(String canonical, Qwen3Config c) {
        if (canonical.equals(EMBED)) {
            return true;
        }
        if (!canonical.startsWith("layers.")) {
            return false;
        }
        int layer = Integer.parseInt(canonical.substring(7, canonical.indexOf('.', 7)));
        return layer <= c.lastLayerUsed();
    }

    /** The naming {@code source} uses, found from where its embedding table is; nothing else is checked. */
    public static Qwen3WeightNames of(WeightSource source) throws WeightFileException {
        Set<String> names = source.names();
        boolean prefixed = names.contains(PREFIX + EMBED);
        boolean bare = names.contains(EMBED);
        if (prefixed && bare) {
            throw new WeightFileException(originPath(source), null, "holds both '" + PREFIX + EMBED + "' and '"
                    + EMBED + "': two text encoders in one checkpoint? Use the model's own text_encoder files");
        }
        if (!prefixed && !bare) {
            throw new WeightFileException(originPath(source), null, "has no '" + PREFIX + EMBED + "' (or '" + EMBED
                    + "'): this is not a Qwen3 text encoder checkpoint; use the model's text_encoder folder"
                    + " or ComfyUI's qwen_3_4b.safetensors");
        }
        return new Qwen3WeightNames(prefixed ? PREFIX : "");
    }

    /**
     * Finds the naming of {@code source} and checks it against {@code config}.
     *
     * @throws WeightFileException naming the tensors that are missing, unexpected, or of the wrong shape or type
     */
    public static Qwen3WeightNames inspect(WeightSource source, Qwen3Config config) throws WeightFileException {
        Path origin = originPath(source);
        Set<String> names = source.names();
        Qwen3WeightNames layout = of(source);
        // every layer but the last (which the prompt embedding does not use) must be there, 11 tensors each
        WeightSources.checkCount(source, "text encoder layers besides the last (num_hidden_layers - 1)",
                config.numHiddenLayers() - 1L, 11);
        Map<String, long[]> expected = expectedShapes(config);

        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = layout.name(e.getKey());
            if (!names.contains(name)) {
                if (usedByForward(e.getKey(), config)) {
                    missing.add(name);
                }
                continue;
            }
            TensorInfo info = source.info(name);
            if (!info.dtype().isFloating()) {
                wrong.add(name + " is " + info.dtype() + ", not a floating-point type");
            } else if (!Arrays.equals(info.shape(), e.getValue())) {
                wrong.add(name + " is " + info.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        Set<String> unexpected = new TreeSet<>();
        for (String name : names) {
            String canonical = name.startsWith(layout.prefix) ? name.substring(layout.prefix.length()) : null;
            if (!name.equals(LM_HEAD) && (canonical == null || !expected.containsKey(canonical))) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new WeightFileException(origin, null, missing.size() + " text encoder tensor(s) missing, e.g. "
                    + sample(missing) + " (config: " + config.numHiddenLayers() + " layers); the download is"
                    + " incomplete or the config belongs to another model");
        }
        if (!wrong.isEmpty()) {
            throw new WeightFileException(origin, null, wrong.size() + " text encoder tensor(s) do not match"
                    + " text_encoder/config.json: " + sample(wrong) + "; the weights and the config come from"
                    + " different models");
        }
        if (!unexpected.isEmpty()) {
            throw new WeightFileException(origin, null, unexpected.size() + " tensor(s) that a Qwen3 text encoder"
                    + " with this config does not have, e.g. " + sample(new ArrayList<>(unexpected))
                    + "; this checkpoint is another architecture or does not match the config");
        }
        return layout;
    }

    private static String sample(List<String> items) {
        int shown = Math.min(5, items.size());
        String list = String.join(", ", items.subList(0, shown));
        return items.size() > shown ? list + ", …" : list;
    }

    /** The source's file or folder for messages; null if its description is not a path. */
    static Path originPath(WeightSource source) {
        try {
            return Path.of(source.origin());
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
