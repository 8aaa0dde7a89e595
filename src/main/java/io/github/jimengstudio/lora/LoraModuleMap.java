package io.github.jimengstudio.lora;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps a LoRA file's module names onto the model's Linear weights, the way ComfyUI does it: by a table built from
 * the model's own weight names, not by guessing. Every target is registered under its diffusers name and under
 * the ComfyUI / original-checkpoint name ({@code attention.qkv} for the fused q/k/v, {@code attention.out},
 * {@code x_embedder}, {@code final_layer.*}). Lookups ignore the file's prefix ({@code transformer.},
 * {@code diffusion_model.}, {@code lora_unet_}, ...) and whether words are joined by {@code _} or {@code .}, so
 * kohya's {@code layers_0_attention_to_out_0} and the dot variant's {@code layers.0.attention.to.q} find the same
 * weights as {@code layers.0.attention.to_out.0} and {@code layers.0.attention.to_q}. No two Z-Image modules
 * differ only in those separators, so this never merges two targets (and a collision would be dropped, not
 * guessed).
 */
final class LoraModuleMap {

    /**
     * Where a LoRA module lands: one weight, or (fused q/k/v) several weights that split the update's rows in
     * order. {@code nativeAlias} marks the ComfyUI/original names, which give way when a file also carries the
     * same update under the diffusers names (the dot variant's redundant copies, as diffusers drops them).
     */
    record Target(List<String> weights, boolean nativeAlias) {}

    /** File prefixes that say "the transformer" in some tool's convention; stripped before lookup. */
    static final List<String> PREFIXES = List.of("base_model.model.", "transformer.", "diffusion_model.",
            "model.diffusion_model.", "lora_unet_", "lora_transformer_", "lycoris_");

    private final Map<String, Target> byLooseName = new HashMap<>();
    private final Set<String> ambiguous = new HashSet<>();

    LoraModuleMap(LoraTargets targets) {
        for (String weight : targets.names()) {
            String module = weight.substring(0, weight.length() - ".weight".length());
            register(module, new Target(List.of(weight), false));
            if (module.endsWith(".attention.to_out.0")) {
                String block = module.substring(0, module.length() - ".to_out.0".length());
                register(block + ".out", new Target(List.of(weight), true));
            }
            if (module.endsWith(".attention.to_q")) {
                String attention = module.substring(0, module.length() - ".to_q".length());
                String k = attention + ".to_k.weight";
                String v = attention + ".to_v.weight";
                if (targets.contains(k) && targets.contains(v)) {
                    register(attention + ".qkv", new Target(List.of(weight, k, v), true));
                }
            }
            if (module.startsWith("all_x_embedder.") || module.startsWith("all_final_layer.")) {
                // all_x_embedder.2-1 -> x_embedder, all_final_layer.2-1.linear -> final_layer.linear
                String rest = module.substring("all_".length());
                int firstDot = rest.indexOf('.');
                int secondDot = rest.indexOf('.', firstDot + 1);
                String nativeName = rest.substring(0, firstDot) + (secondDot < 0 ? "" : rest.substring(secondDot));
                register(nativeName, new Target(List.of(weight), true));
            }
        }
    }

    private void register(String moduleName, Target target) {
        String key = loose(moduleName);
        if (ambiguous.contains(key)) {
            return;
        }
        Target previous = byLooseName.putIfAbsent(key, target);
        if (previous != null && !previous.equals(target)) {
            byLooseName.remove(key);
            ambiguous.add(key);
        }
    }

    /** The target of a module name as written in a LoRA file, or null when it patches nothing in this model. */
    Target resolve(String fileModuleName) {
        return byLooseName.get(loose(stripPrefix(fileModuleName)));
    }

    /** The module name without the tool's prefix(es), e.g. {@code lora_unet_layers_0_attention_to_q -> layers_0...}. */
    static String stripPrefix(String name) {
        boolean stripped = true;
        while (stripped) {
            stripped = false;
            for (String p : PREFIXES) {
                if (name.startsWith(p) && name.length() > p.length()) {
                    name = name.substring(p.length());
                    stripped = true;
                }
            }
        }
        return name;
    }

    /** The grouping key of a module: prefix-free, lower case, {@code _} and {@code .} treated alike. */
    static String groupKey(String fileModuleName) {
        return loose(stripPrefix(fileModuleName));
    }

    private static String loose(String name) {
        return name.replace('_', '.').toLowerCase(Locale.ROOT);
    }
}
