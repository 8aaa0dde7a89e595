package io.github.jimengstudio.provenance;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AUTOMATIC1111 {@code parameters} text (fiji-notes §3.2), which the tools people already use read from a PNG:
 * <pre>
 * a red fox in the snow, watercolor
 * Negative prompt: blurry                      (only when there is one)
 * Steps: 8, Sampler: Euler, CFG scale: 0.0, Seed: 42, Size: 1024x1024, Model hash: 0123456789, Model: "…",
 *   Loras: "peft:0.8", Lora hashes: "peft: 0123456789ab", Version: …
 * </pre>
 * Values holding {@code ,}, {@code :} or a line break are JSON-quoted, as A1111 does. {@code Model hash} and
 * {@code Lora hashes} ({@code name: hash, …}, A1111's own field) are what Civitai and other readers link resources
 * by, without reading {@code <lora:…>} tags out of the prompt (the prompt stays as typed); {@code Loras} keeps the
 * strengths, which {@code Lora hashes} lacks. The JSON record is the exact form; this one is for other tools and
 * the fallback when only it survived.
 */
public final class A1111Parameters {
    private A1111Parameters() {}

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /**
     * A1111's {@code re_param}: {@code Key: value} or {@code Key: "json"}, comma separated. The quoted form is
     * written unrolled and possessive ({@code "[^"\\]*+(?:\\.[^"\\]*+)*+"}) rather than as A1111's
     * {@code "(?:\\.|[^\\"])+"}: Java matches an alternation in a loop by recursing once per character, so a long
     * quoted value in a hostile PNG overflowed the stack.
     */
    private static final Pattern PARAM = Pattern.compile(
            "\\s*(\\w[\\w \\-/]+):\\s*(\"[^\\\\\"]*+(?:\\\\.[^\\\\\"]*+)*+\"|[^,]*)(?:,|$)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)");
    private static final String NEGATIVE = "Negative prompt:";

    /** The text for {@code record}, without resource hashes. */
    public static String format(GenerationRecord record) {
        return format(record, ResourceHashes.NONE);
    }

    /** The text for {@code record}, with the hashes that are known. */
    public static String format(GenerationRecord record, ResourceHashes hashes) {
        GenerationRequest r = record.request();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("Steps", Integer.toString(r.steps()));
        p.put("Sampler", "Euler");
        p.put("CFG scale", Double.toString(r.guidance()));
        p.put("Seed", r.seedString());
        p.put("Size", r.width() + "x" + r.height());
        if (hashes.modelHash() != null) {
            p.put("Model hash", hashes.modelHash());
        }
        p.put("Model", record.modelIdentity());
        if (!r.loras().isEmpty()) {
            p.put("Loras", loras(r.loras()));
        }
        if (!hashes.loraHashes().isEmpty()) {
            p.put("Lora hashes", loraHashes(hashes.loraHashes()));
        }
        if (r.cfgTruncation() != 1.0) {
            p.put("CFG truncation", Double.toString(r.cfgTruncation()));
        }
        if (r.cfgNormalization() != 0.0) {
            p.put("CFG normalization", Double.toString(r.cfgNormalization()));
        }
        p.put("Version", record.softwareVersion());
        StringBuilder sb = new StringBuilder(r.prompt());
        if (!r.negativePrompt().isEmpty()) {
            sb.append('\n').append(NEGATIVE).append(' ').append(r.negativePrompt());
        }
        sb.append('\n');
        String sep = "";
        for (Map.Entry<String, String> e : p.entrySet()) {
            sb.append(sep).append(e.getKey()).append(": ").append(quote(e.getValue()));
            sep = ", ";
        }
        return sb.toString().strip();
    }

    /** {@code name:strength, …}, the form {@link LoraUse#parse} reads. */
    static String loras(List<LoraUse> loras) {
        StringBuilder sb = new StringBuilder();
        for (LoraUse l : loras) {
            sb.append(sb.length() > 0 ? ", " : "").append(l);
        }
        return sb.toString();
    }

    /** {@code name: hash, …} as A1111 writes it: names lose {@code :} and {@code ,}, which the list uses. */
    static String loraHashes(Map<String, String> hashes) {
        StringBuilder sb = new StringBuilder();
        hashes.forEach((name, hash) -> sb.append(sb.length() > 0 ? ", " : "")
                .append(name.replace(":", "").replace(",", "")).append(": ").append(hash));
        return sb.toString();
    }

    /**
     * Every {@code Key: value} of the settings line (the last line), values unquoted, in order: what another tool
     * recorded, including what this one does not use.
     */
    public static Map<String, String> settings(String text) {
        String t = text.strip();
        int lastBreak = t.lastIndexOf('\n');
        Map<String, String> p = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(t.substring(lastBreak + 1));
        while (m.find()) {
            p.put(m.group(1).strip(), unquote(m.group(2).strip()));
        }
        return p;
    }

    static List<LoraUse> parseLoras(String text) {
        List<LoraUse> out = new ArrayList<>();
        for (String spec : text.split(", ")) {
            if (!spec.isBlank()) {
                out.add(LoraUse.parse(spec));
            }
        }
        return out;
    }

    private static String quote(String v) {
        return v.contains(",") || v.contains("\n") || v.contains(":") ? GSON.toJson(v) : v;
    }

    private static String unquote(String v) {
        if (v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"")) {
            return v;
        }
        try {
            return GSON.fromJson(v, String.class);
        } catch (JsonParseException e) {
            return v;
        }
    }

    /**
     * The request a {@code parameters} text describes: prompt, negative prompt, steps, CFG scale, seed, size,
     * LoRAs and the CFG options; what the text does not hold keeps its default (memory mode, precision).
     *
     * @throws ProvenanceException naming what is missing or malformed
     */
    public static GenerationRequest parse(String text) {
        String t = text.strip();
        int lastBreak = t.lastIndexOf('\n');
        if (lastBreak < 0) {
            throw new ProvenanceException("the 'parameters' text has no settings line (Steps: …, Seed: …, Size: …)");
        }
        Map<String, String> p = settings(t);
        String head = t.substring(0, lastBreak);
        String prompt = head;
        String negative = "";
        int neg = head.startsWith(NEGATIVE) ? 0 : head.indexOf("\n" + NEGATIVE);
        if (neg >= 0) {
            prompt = head.substring(0, neg);
            negative = head.substring(neg + (neg == 0 ? 0 : 1) + NEGATIVE.length()).strip();
        }
        try {
            Matcher size = SIZE.matcher(required(p, "Size"));
            if (!size.matches()) {
                throw new ProvenanceException("the 'parameters' Size is '" + p.get("Size") + "', not WxH");
            }
            GenerationRequest.Builder b = GenerationRequest.builder(prompt)
                    .negativePrompt(negative)
                    .size(Integer.parseInt(size.group(1)), Integer.parseInt(size.group(2)))
                    .steps(Integer.parseInt(required(p, "Steps")))
                    .guidance(Double.parseDouble(p.getOrDefault("CFG scale", "0")))
                    .seed(GenerationRequest.parseSeed(required(p, "Seed")));
            if (p.containsKey("Loras")) {
                b.loras(parseLoras(p.get("Loras")));
            }
            if (p.containsKey("CFG truncation")) {
                b.cfgTruncation(Double.parseDouble(p.get("CFG truncation")));
            }
            if (p.containsKey("CFG normalization")) {
                b.cfgNormalization(Double.parseDouble(p.get("CFG normalization")));
            }
            return b.build();
        } catch (NumberFormatException | InvalidRequestException e) {
            throw new ProvenanceException("the 'parameters' text does not describe a valid request: "
                    + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new ProvenanceException("the 'parameters' text lacks '" + key + "'");
        }
        return v;
    }
}
