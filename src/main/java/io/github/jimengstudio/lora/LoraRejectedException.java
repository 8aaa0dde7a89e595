package io.github.jimengstudio.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA that does not fit the model, refused as a whole before anything is applied. It carries every offending
 * tensor name with what is wrong with it, and the likely cause ("this looks like a FLUX LoRA") when the names
 * reveal one.
 */
public class LoraRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int KEYS_IN_MESSAGE = 8;

    private final String loraName;
    private final Map<String, String> offendingKeys;
    private final String likelyCause;

    public LoraRejectedException(String loraName, int totalKeys, Map<String, String> offendingKeys,
            String likelyCause) {
        super(compose(loraName, totalKeys, offendingKeys, likelyCause));
        this.loraName = loraName;
        this.offendingKeys = Collections.unmodifiableMap(new LinkedHashMap<>(offendingKeys));
        this.likelyCause = likelyCause;
    }

    public String loraName() {
        return loraName;
    }

    /** Every tensor name that made the file unusable, with the reason, in file order. */
    public Map<String, String> offendingKeys() {
        return offendingKeys;
    }

    /** The likely cause in a few words, or null when the names do not reveal one. */
    public String likelyCause() {
        return likelyCause;
    }

    private static String compose(String name, int totalKeys, Map<String, String> offending, String cause) {
        StringBuilder sb = new StringBuilder();
        sb.append("LoRA '").append(name).append("' was refused and nothing was applied: ")
                .append(offending.size()).append(" of ").append(totalKeys)
                .append(" tensors do not fit this Z-Image transformer");
        if (cause != null) {
            sb.append(" — ").append(cause);
        }
        sb.append('.');
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        offending.forEach((key, reason) -> byReason.computeIfAbsent(reason, r -> new ArrayList<>()).add(key));
        int budget = KEYS_IN_MESSAGE;
        for (Map.Entry<String, List<String>> e : byReason.entrySet()) {
            List<String> keys = e.getValue();
            int shown = Math.max(1, Math.min(budget, keys.size()));
            budget -= shown;
            String reason = e.getKey();
            sb.append(reason.startsWith("maps to") ? " Tensors that map" + reason.substring("maps".length())
                    : " " + Character.toUpperCase(reason.charAt(0)) + reason.substring(1))
                    .append(": ").append(String.join(", ", keys.subList(0, shown)));
            if (shown < keys.size()) {
                sb.append(" and ").append(keys.size() - shown).append(" more");
            }
            sb.append('.');
        }
        sb.append(" Pick a LoRA trained for Z-Image(-Turbo).");
        return sb.toString();
    }
}
