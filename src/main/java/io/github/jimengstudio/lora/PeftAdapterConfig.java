package io.github.jimengstudio.lora;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.jimengstudio.tensor.JsonLimits;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The PEFT adapter config that diffusers stores in a LoRA file's header ({@code __metadata__} key
 * {@code lora_adapter_metadata}) and hands to PEFT's {@code LoraConfig} when it loads the file. PEFT scales each
 * update by {@code lora_alpha / r} ({@code / sqrt(r)} with rsLoRA), per module through {@code rank_pattern} and
 * {@code alpha_pattern}. Without the entry the scale is 1: diffusers' conventions then set {@code lora_alpha = r}.
 */
record PeftAdapterConfig(int r, double loraAlpha, boolean useRslora, Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern) {

    static final String METADATA_KEY = "lora_adapter_metadata";
    // LoraConfig's own defaults, used by PEFT when the stored config omits a field.
    private static final int DEFAULT_R = 8;
    private static final double DEFAULT_ALPHA = 8;

    /** The config stored in the file, or null when there is none. */
    static PeftAdapterConfig fromMetadata(Map<String, String> metadata) {
        String json = metadata.get(METADATA_KEY);
        if (json == null || json.isBlank()) {
            return null;
        }
        JsonObject o;
        try {
            o = JsonLimits.parseObject(json, "its " + METADATA_KEY + " header entry", "the adapter config");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; it is not the adapter config diffusers writes");
        }
        try {
            int r = has(o, "r") ? o.get("r").getAsInt() : DEFAULT_R;
            double alpha = has(o, "lora_alpha") ? o.get("lora_alpha").getAsDouble() : DEFAULT_ALPHA;
            boolean rslora = has(o, "use_rslora") && o.get("use_rslora").getAsBoolean();
            Map<String, Integer> ranks = new LinkedHashMap<>();
            Map<String, Double> alphas = new LinkedHashMap<>();
            if (has(o, "rank_pattern")) {
                o.getAsJsonObject("rank_pattern").entrySet()
                        .forEach(e -> ranks.put(e.getKey(), e.getValue().getAsInt()));
            }
            if (has(o, "alpha_pattern")) {
                o.getAsJsonObject("alpha_pattern").entrySet()
                        .forEach(e -> alphas.put(e.getKey(), e.getValue().getAsDouble()));
            }
            return new PeftAdapterConfig(r, alpha, rslora, ranks, alphas);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException e) {
            // gson's getAs* on a value of another kind (NumberFormatException is an IllegalArgumentException)
            throw new IllegalArgumentException("its " + METADATA_KEY + " header entry has a value of the wrong kind "
                    + "(r, lora_alpha, use_rslora, rank_pattern or alpha_pattern)", e);
        }
    }

    private static boolean has(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && !e.isJsonNull();
    }

    /** The configured rank of a module (PEFT module name, e.g. {@code layers.0.attention.to_q}). */
    int rankOf(String module) {
        String key = patternKey(rankPattern, module);
        return key == null ? r : rankPattern.get(key);
    }

    /** PEFT's runtime scaling of a module's update. */
    double scaleOf(String module) {
        String key = patternKey(alphaPattern, module);
        double alpha = key == null ? loraAlpha : alphaPattern.get(key);
        int rank = rankOf(module);
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** PEFT's {@code get_pattern_key}: the first pattern that matches the module name or a dotted suffix of it. */
    private static String patternKey(Map<String, ?> patterns, String module) {
        for (String p : patterns.keySet()) {
            try {
                if (Pattern.compile("(.*\\.)?(" + p + ")").matcher(module).matches()) {
                    return p;
                }
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("its adapter config has the pattern '" + p
                        + "', which is not a valid regular expression");
            }
        }
        return null;
    }
}
