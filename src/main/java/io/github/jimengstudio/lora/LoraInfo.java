package io.github.jimengstudio.lora;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.jimengstudio.tensor.JsonLimits;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the library knows about one LoRA file from its header alone (no tensor data is read): enough to fill the
 * dropdown and a tooltip. A file whose header cannot be read is still listed, with {@link #problem()} saying why.
 *
 * @param name         display and lookup name: the path below the LoRA folder without {@code .safetensors}
 * @param file         the file
 * @param sizeBytes    file size when scanned
 * @param lastModified modification time when scanned
 * @param format       key layout
 * @param ranks        the ranks of its factors (one value for most files; a fused qkv update counts its own)
 * @param modules      number of patched modules as the file names them
 * @param targets      kinds of layers patched, e.g. {@code attention.to_q}, {@code feed_forward.w1}
 * @param baseModel    base model named in the metadata, or null
 * @param foreignHint  when the names say it was made for another model ("this looks like a FLUX LoRA"), else null
 * @param metadata     the header's {@code __metadata__} strings
 * @param problem      why the file cannot be used, or null
 */
public record LoraInfo(String name, Path file, long sizeBytes, Instant lastModified, LoraFormat format,
        SortedSet<Integer> ranks, int modules, SortedSet<String> targets, String baseModel, String foreignHint,
        Map<String, String> metadata, String problem) {

    private static final int MAX_TRIGGER_WORDS = 5;

    public LoraInfo {
        ranks = Collections.unmodifiableSortedSet(new TreeSet<>(ranks));
        targets = Collections.unmodifiableSortedSet(new TreeSet<>(targets));
        metadata = Collections.unmodifiableMap(new HashMap<>(metadata));
    }

    public boolean usable() {
        return problem == null;
    }

    /**
     * Trigger words from the training metadata (SAI model spec, else kohya's most frequent tags). Read from the
     * metadata when asked, for a tooltip or the log: a scan or a generation never parses the training tags, which
     * can be megabytes of JSON (or hostile), and are needed only to be shown.
     */
    public List<String> triggerWords() {
        return triggerWords(metadata);
    }

    /** Reads the header of {@code file} (only the header). */
    static LoraInfo read(String name, Path file, long size, Instant modified) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Set<String> keys = f.names();
            SortedSet<Integer> ranks = new TreeSet<>();
            Set<String> modules = new LinkedHashSet<>();
            SortedSet<String> kinds = new TreeSet<>();
            List<String> unsupported = new ArrayList<>();
            for (String k : keys) {
                LoraKey key = LoraKey.parse(k);
                switch (key.role()) {
                    case DOWN -> {
                        TensorInfo t = f.info(k);
                        if (t.rank() >= 1) {
                            ranks.add((int) t.dim(0));
                        }
                        modules.add(LoraModuleMap.groupKey(key.module()));
                        kinds.add(layerKind(key.module()));
                    }
                    case UNSUPPORTED -> unsupported.add(k);
                    default -> { }
                }
            }
            Map<String, String> meta = f.metadata();
            LoraFormat format = LoraFormat.detect(keys);
            String problem = null;
            if (modules.isEmpty()) {
                problem = format == LoraFormat.LYCORIS ? "LyCORIS LoKr/LoHa files are not supported"
                        : "no LoRA factors (lora_A/lora_B or lora_down/lora_up) in this file";
            } else if (!unsupported.isEmpty()) {
                problem = unsupported.size() + " tensors are not LoRA factors, e.g. " + unsupported.get(0) + ": "
                        + LoraKey.unsupportedReason(unsupported.get(0));
            }
            String hint = ForeignLoraHint.forKeys(modules).orElse(null);
            return new LoraInfo(name, file, size, modified, format, ranks, modules.size(), kinds,
                    baseModel(meta), hint, meta, problem);
        } catch (IOException | RuntimeException e) {
            return unusable(name, file, size, modified, "unreadable: " + e.getMessage());
        }
    }

    /** An entry that cannot be used, listed so that the user sees why ({@code problem}). */
    static LoraInfo unusable(String name, Path file, String problem) {
        return unusable(name, file, 0, Instant.EPOCH, problem);
    }

    private static LoraInfo unusable(String name, Path file, long size, Instant modified, String problem) {
        return new LoraInfo(name, file, size, modified, LoraFormat.UNKNOWN, new TreeSet<>(), 0, new TreeSet<>(),
                null, null, Map.of(), problem);
    }

    // The layer kinds of Z-Image, by their separator-free spelling, for a readable summary of any format.
    private static final Map<String, String> KINDS = Map.of(
            "attention.to.q", "attention.to_q", "attention.to.k", "attention.to_k", "attention.to.v",
            "attention.to_v", "attention.to.out.0", "attention.to_out.0", "attention.qkv", "attention.qkv",
            "attention.out", "attention.out", "feed.forward.w1", "feed_forward.w1", "feed.forward.w2",
            "feed_forward.w2", "feed.forward.w3", "feed_forward.w3", "adaln.modulation.0", "adaLN_modulation.0");

    /** {@code lora_unet_layers_3_attention_to_q -> attention.to_q}: the module without its block and index. */
    static String layerKind(String fileModule) {
        String loose = LoraModuleMap.groupKey(fileModule);
        String[] parts = loose.split("\\.");
        int start = 0;
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty() && parts[i].chars().allMatch(Character::isDigit)) {
                start = i + 1;
                break;
            }
        }
        String rest = String.join(".", java.util.Arrays.copyOfRange(parts, start, parts.length));
        return KINDS.getOrDefault(rest, rest.isEmpty() ? loose : rest);
    }

    /** SAI model spec's trigger phrase, else the most frequent tags of kohya's {@code ss_tag_frequency}. */
    static List<String> triggerWords(Map<String, String> meta) {
        List<String> out = new ArrayList<>();
        for (String key : List.of("modelspec.trigger_phrase", "trigger_phrase", "trigger_words", "trigger_word")) {
            String v = meta.get(key);
            if (v != null && !v.isBlank()) {
                for (String w : v.split(",")) {
                    if (!w.isBlank() && out.size() < MAX_TRIGGER_WORDS) {
                        out.add(w.trim());
                    }
                }
                return out;
            }
        }
        String freq = meta.get("ss_tag_frequency");
        if (freq == null || freq.isBlank()) {
            return out;
        }
        Map<String, Double> counts = new HashMap<>();
        try {
            // bounded: a tag list nested 20,000 deep must cost the tooltip its trigger words, not the JVM its stack
            JsonObject datasets = JsonLimits.parseObject(freq, "ss_tag_frequency", "it");
            for (Map.Entry<String, JsonElement> d : datasets.entrySet()) {
                if (d.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> t : d.getValue().getAsJsonObject().entrySet()) {
                        counts.merge(t.getKey().trim(), t.getValue().getAsDouble(), Double::sum);
                    }
                }
            }
        } catch (RuntimeException e) {
            return out; // malformed training metadata is not a reason to hide the LoRA
        }
        counts.entrySet().stream()
                .filter(e -> !e.getKey().isEmpty())
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_TRIGGER_WORDS)
                .forEach(e -> out.add(e.getKey()));
        return out;
    }

    static String baseModel(Map<String, String> meta) {
        for (String key : List.of("modelspec.architecture", "ss_base_model_version", "ss_sd_model_name",
                "base_model")) {
            String v = meta.get(key);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    /** One line for a tooltip or the log. */
    public String summary() {
        if (problem != null) {
            return name + ": " + problem;
        }
        StringBuilder sb = new StringBuilder(name).append(" (").append(format.label()).append(", rank ");
        sb.append(ranks.size() == 1 ? ranks.first().toString() : ranks.toString()).append(", ")
                .append(modules).append(" modules");
        if (baseModel != null) {
            sb.append(", base ").append(baseModel);
        }
        List<String> triggers = triggerWords();
        if (!triggers.isEmpty()) {
            sb.append(", trigger: ").append(String.join(", ", triggers));
        }
        sb.append(')');
        if (foreignHint != null) {
            sb.append(" — ").append(foreignHint);
        }
        return sb.toString();
    }
}
