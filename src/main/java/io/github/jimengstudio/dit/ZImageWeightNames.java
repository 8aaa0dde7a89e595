package io.github.jimengstudio.dit;

import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The transformer's weight names: the canonical (diffusers / official HF) table with every shape (spec §4.1), and
 * the one remapping table from ComfyUI's single-file names (spec §1.2) onto it.
 *
 * <p>ComfyUI → diffusers: {@code x_embedder.*} → {@code all_x_embedder.2-1.*}; {@code final_layer.*} →
 * {@code all_final_layer.2-1.*}; {@code {blk}.attention.qkv.weight} [3D, D] → rows 0..D−1, D..2D−1, 2D..3D−1 as
 * {@code to_q}, {@code to_k}, {@code to_v} (Z-Image has as many kv heads as heads, so the thirds are equal);
 * {@code attention.out} → {@code attention.to_out.0}; {@code q_norm}/{@code k_norm} → {@code norm_q}/{@code norm_k};
 * ComfyUI's unused top-level {@code norm_final.weight} is dropped; a {@code model.diffusion_model.} prefix is
 * stripped. Everything else has the same name in both layouts.
 */
public final class ZImageWeightNames {

    /** The prefix some ComfyUI files put on every DiT tensor. */
    public static final String COMFY_PREFIX = "model.diffusion_model.";
    /** In ComfyUI files only; the model never uses it. */
    static final String COMFY_UNUSED_NORM_FINAL = "norm_final.weight";

    private ZImageWeightNames() {}

    /** Every tensor the model loads, by canonical name, with its shape; in load order. */
    public static Map<String, long[]> shapes(ZImageTransformerConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.dim();
        long ada = c.adalnDim();
        long patch = c.patchFeatures();
        String key = c.patchKey();
        m.put("x_pad_token", new long[] {1, d});
        m.put("cap_pad_token", new long[] {1, d});
        m.put("all_x_embedder." + key + ".weight", new long[] {d, patch});
        m.put("all_x_embedder." + key + ".bias", new long[] {d});
        m.put("t_embedder.mlp.0.weight",
                new long[] {ZImageTransformerConfig.TIMESTEP_MLP_WIDTH, ZImageTransformerConfig.FREQUENCY_EMBEDDING_SIZE});
        m.put("t_embedder.mlp.0.bias", new long[] {ZImageTransformerConfig.TIMESTEP_MLP_WIDTH});
        m.put("t_embedder.mlp.2.weight", new long[] {ada, ZImageTransformerConfig.TIMESTEP_MLP_WIDTH});
        m.put("t_embedder.mlp.2.bias", new long[] {ada});
        m.put("cap_embedder.0.weight", new long[] {c.capFeatDim()});
        m.put("cap_embedder.1.weight", new long[] {d, c.capFeatDim()});
        m.put("cap_embedder.1.bias", new long[] {d});
        for (int i = 0; i < c.nRefinerLayers(); i++) {
            block(m, "noise_refiner." + i, c, true);
        }
        for (int i = 0; i < c.nRefinerLayers(); i++) {
            block(m, "context_refiner." + i, c, false);
        }
        for (int i = 0; i < c.nLayers(); i++) {
            block(m, "layers." + i, c, true);
        }
        String fin = "all_final_layer." + key;
        m.put(fin + ".adaLN_modulation.1.weight", new long[] {d, ada});
        m.put(fin + ".adaLN_modulation.1.bias", new long[] {d});
        m.put(fin + ".linear.weight", new long[] {patch, d});
        m.put(fin + ".linear.bias", new long[] {patch});
        return m;
    }

    private static void block(Map<String, long[]> m, String blk, ZImageTransformerConfig c, boolean modulated) {
        long d = c.dim();
        long hidden = c.ffnHidden();
        for (String p : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
            m.put(blk + ".attention." + p + ".weight", new long[] {d, d});
        }
        if (c.qkNorm()) {
            m.put(blk + ".attention.norm_q.weight", new long[] {c.headDim()});
            m.put(blk + ".attention.norm_k.weight", new long[] {c.headDim()});
        }
        m.put(blk + ".feed_forward.w1.weight", new long[] {hidden, d});
        m.put(blk + ".feed_forward.w2.weight", new long[] {d, hidden});
        m.put(blk + ".feed_forward.w3.weight", new long[] {hidden, d});
        for (String n : new String[] {"attention_norm1", "attention_norm2", "ffn_norm1", "ffn_norm2"}) {
            m.put(blk + "." + n + ".weight", new long[] {d});
        }
        if (modulated) {
            m.put(blk + ".adaLN_modulation.0.weight", new long[] {4 * d, c.adalnDim()});
            m.put(blk + ".adaLN_modulation.0.bias", new long[] {4 * d});
        }
    }

    /**
     * {@code source} under canonical names: returned as is when it already uses them, otherwise seen through the
     * ComfyUI table (after stripping a {@code model.diffusion_model.} prefix). The view does not copy, and closing
     * it closes {@code source}.
     */
    public static WeightSource canonical(WeightSource source, ZImageTransformerConfig c) throws WeightFileException {
        WeightSource s = source;
        if (s.names().stream().anyMatch(n -> n.startsWith(COMFY_PREFIX))) {
            s = RenamedWeights.stripPrefix(s, COMFY_PREFIX);
        }
        if (!isComfy(s)) {
            return s;
        }
        RenamedWeights.Builder b = RenamedWeights.builder(s, "ComfyUI names");
        String key = c.patchKey();
        for (String name : s.names()) {
            if (name.equals(COMFY_UNUSED_NORM_FINAL)) {
                continue;
            }
            if (name.startsWith("x_embedder.")) {
                b.rename(name, "all_x_embedder." + key + name.substring("x_embedder".length()));
            } else if (name.startsWith("final_layer.")) {
                b.rename(name, "all_final_layer." + key + name.substring("final_layer".length()));
            } else if (name.endsWith(".attention.qkv.weight")) {
                String blk = name.substring(0, name.length() - ".qkv.weight".length());
                TensorInfo qkv = s.info(name);
                if (qkv.rank() != 2 || qkv.dim(0) % 3 != 0) {
                    throw new WeightFileException(s.origin(), name, "has shape " + qkv.shapeString()
                            + "; a fused q/k/v weight needs [3 x dim, dim]");
                }
                long rows = qkv.dim(0) / 3;
                b.rows(name, 0, rows, blk + ".to_q.weight");
                b.rows(name, rows, rows, blk + ".to_k.weight");
                b.rows(name, 2 * rows, rows, blk + ".to_v.weight");
            } else if (name.endsWith(".attention.out.weight")) {
                b.rename(name, name.replace(".attention.out.weight", ".attention.to_out.0.weight"));
            } else if (name.endsWith(".attention.q_norm.weight")) {
                b.rename(name, name.replace(".attention.q_norm.weight", ".attention.norm_q.weight"));
            } else if (name.endsWith(".attention.k_norm.weight")) {
                b.rename(name, name.replace(".attention.k_norm.weight", ".attention.norm_k.weight"));
            } else {
                b.rename(name, name);
            }
        }
        return b.build();
    }

    /** ComfyUI files have an un-prefixed x_embedder or fused qkv weights; diffusers files never do. */
    private static boolean isComfy(WeightSource s) {
        return s.contains("x_embedder.weight") || s.names().stream().anyMatch(n -> n.endsWith(".attention.qkv.weight"));
    }

    /**
     * Refuses a source (under canonical names) that lacks a tensor, has one the model does not know, or has one of
     * another shape or a non-floating type — before any byte is loaded. The message lists every offender.
     */
    public static void check(WeightSource canonical, ZImageTransformerConfig c) throws WeightFileException {
        // the fewest tensors a block has: q, k, v, out, three feed-forward weights, four norms (+ q/k norms)
        WeightSources.checkCount(canonical, "transformer blocks (n_layers + 2 x n_refiner_layers)",
                (long) c.nLayers() + 2L * c.nRefinerLayers(), 11 + (c.qkNorm() ? 2 : 0));
        Map<String, long[]> expected = shapes(c);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!canonical.contains(e.getKey())) {
                problems.add("missing '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
                continue;
            }
            TensorInfo info = canonical.info(e.getKey());
            if (!Arrays.equals(info.shape(), e.getValue())) {
                problems.add("'" + e.getKey() + "' has shape " + info.shapeString() + ", the model expects "
                        + Arrays.toString(e.getValue()));
            } else if (!info.dtype().isFloating()) {
                problems.add("'" + e.getKey() + "' is " + info.dtype() + ", not a floating-point tensor");
            }
        }
        for (String name : new TreeSet<>(canonical.names())) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 12);
            String list = String.join("; ", problems.subList(0, shown))
                    + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : "");
            throw new WeightFileException(canonical.origin(), null, "these weights do not fit the transformer of "
                    + c + ": " + list + ". Is this Z-Image-Turbo's transformer with its own config.json?");
        }
    }
}
