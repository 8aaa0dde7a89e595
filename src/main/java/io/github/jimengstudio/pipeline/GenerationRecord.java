package io.github.jimengstudio.pipeline;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.jimengstudio.tensor.JsonLimits;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How an image was made: enough to regenerate it exactly and to tell where it came from. The provenance layer writes
 * {@link #toJson()} into saved images and reads it back with {@link #fromJson}.
 *
 * @param request         the request as run, with its seed resolved (a "random" seed is recorded as drawn)
 * @param modelIdentity   the model's identity from the {@link ModelLocation}
 * @param softwareVersion {@link Version#full()}
 * @param device          where the transformer ran ({@code cpu}, {@code cuda:0})
 * @param precision       the compute precision of the transformer and text encoder ({@code float32},
 *                        {@code bfloat16}); the VAE always decodes in float32
 * @param engine          the native engine, e.g. {@code libtorch 2.7.1}
 * @param sampler         the sampler and sigma rule, e.g. {@code flow-match Euler, shift 3.0, diffusers 0.39 sigmas}
 * @param created         when the image was finished
 * @param timings         time per stage
 * @param warnings        what the user was warned about (e.g. a prompt cut at 512 tokens)
 */
public record GenerationRecord(GenerationRequest request, String modelIdentity, String softwareVersion, String device,
        String precision, String engine, String sampler, Instant created, GenerationTimings timings,
        List<String> warnings) {

    /** Names the JSON layout; bump it when a field changes meaning. */
    public static final String FORMAT = "jimeng-studio/generation-record/1";

    public GenerationRecord {
        Objects.requireNonNull(request, "request");
        if (!request.hasSeed()) {
            throw new IllegalArgumentException("a record needs the seed that was used; resolve it first");
        }
        Objects.requireNonNull(modelIdentity, "modelIdentity");
        Objects.requireNonNull(softwareVersion, "softwareVersion");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(timings, "timings");
        warnings = List.copyOf(warnings);
    }

    /**
     * The record as pretty JSON with a fixed key order; the seed is a string (it may exceed 2^53), timings are
     * rounded to 0.1 ms.
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        GenerationRequest r = request;
        o.addProperty("prompt", r.prompt());
        o.addProperty("negative_prompt", r.negativePrompt());
        o.addProperty("width", r.width());
        o.addProperty("height", r.height());
        o.addProperty("steps", r.steps());
        o.addProperty("guidance", r.guidance());
        o.addProperty("seed", r.seedString());
        JsonArray loras = new JsonArray();
        for (LoraUse l : r.loras()) {
            JsonObject lo = new JsonObject();
            lo.addProperty("name", l.name());
            lo.addProperty("strength", l.strength());
            loras.add(lo);
        }
        o.add("loras", loras);
        o.addProperty("cfg_truncation", r.cfgTruncation());
        o.addProperty("cfg_normalization", r.cfgNormalization());
        o.addProperty("memory_mode", r.memoryMode().name());
        o.addProperty("requested_precision", r.precision().name());
        o.addProperty("model", modelIdentity);
        o.addProperty("software", softwareVersion);
        o.addProperty("device", device);
        o.addProperty("precision", precision);
        o.addProperty("engine", engine);
        o.addProperty("sampler", sampler);
        o.addProperty("created", created.toString());
        JsonObject t = new JsonObject();
        for (Map.Entry<Stage, Double> e : timings.stageMillis().entrySet()) {
            t.addProperty(e.getKey().key(), round1(e.getValue()));
        }
        JsonArray steps = new JsonArray();
        timings.stepMillis().forEach(ms -> steps.add(round1(ms)));
        t.add("steps", steps);
        t.addProperty("first_preview", round1(timings.firstPreviewMillis()));
        t.addProperty("total", round1(timings.totalMillis()));
        o.add("timings_ms", t);
        JsonArray w = new JsonArray();
        warnings.forEach(w::add);
        o.add("warnings", w);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o);
    }

    private static double round1(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    /**
     * Reads a record written by {@link #toJson()}. The request is validated again, so a tampered record gives the
     * same clear errors as a bad request.
     *
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static GenerationRecord fromJson(String json) {
        JsonObject o = JsonLimits.parseObject(json, "generation record", "it");
        try {
            return fromJson(o);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException e) {
            // gson's getAs* on a value of another kind (a list where a text belongs, ...)
            throw new IllegalArgumentException("generation record: a field holds a value of the wrong kind (a list "
                    + "or object where a text or number belongs, or the reverse); was it edited by hand?", e);
        }
    }

    private static GenerationRecord fromJson(JsonObject o) {
        String format = string(o, "format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("generation record has format '" + format + "'; this version reads "
                    + FORMAT);
        }
        List<LoraUse> loras = new ArrayList<>();
        for (JsonElement e : field(o, "loras").getAsJsonArray()) {
            JsonObject lo = e.getAsJsonObject();
            loras.add(new LoraUse(string(lo, "name"), number(lo, "strength")));
        }
        GenerationRequest request = GenerationRequest.builder(string(o, "prompt"))
                .negativePrompt(string(o, "negative_prompt"))
                .size((int) number(o, "width"), (int) number(o, "height"))
                .steps((int) number(o, "steps"))
                .guidance(number(o, "guidance"))
                .seed(GenerationRequest.parseSeed(string(o, "seed")))
                .loras(loras)
                .cfgTruncation(number(o, "cfg_truncation"))
                .cfgNormalization(number(o, "cfg_normalization"))
                .memoryMode(enumValue(MemoryMode.class, string(o, "memory_mode"), "memory_mode"))
                .precision(enumValue(Precision.class, string(o, "requested_precision"), "requested_precision"))
                .build();
        JsonObject t = field(o, "timings_ms").getAsJsonObject();
        EnumMap<Stage, Double> stages = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            if (t.has(s.key())) {
                stages.put(s, t.get(s.key()).getAsDouble());
            }
        }
        List<Double> steps = new ArrayList<>();
        field(t, "steps").getAsJsonArray().forEach(e -> steps.add(e.getAsDouble()));
        GenerationTimings timings = new GenerationTimings(stages, steps, number(t, "first_preview"),
                number(t, "total"));
        List<String> warnings = new ArrayList<>();
        field(o, "warnings").getAsJsonArray().forEach(e -> warnings.add(e.getAsString()));
        Instant created;
        try {
            created = Instant.parse(string(o, "created"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("generation record: 'created' is not an ISO-8601 instant", e);
        }
        return new GenerationRecord(request, string(o, "model"), string(o, "software"), string(o, "device"),
                string(o, "precision"), string(o, "engine"), string(o, "sampler"), created, timings, warnings);
    }

    private static JsonElement field(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("generation record lacks '" + name + "'");
        }
        return e;
    }

    private static String string(JsonObject o, String name) {
        return field(o, name).getAsString();
    }

    private static double number(JsonObject o, String name) {
        try {
            return field(o, name).getAsDouble();
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
            throw new IllegalArgumentException("generation record: '" + name + "' is not a number", e);
        }
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String value, String name) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("generation record: '" + name + "' is '" + value + "'", e);
        }
    }

    /** A short human-readable summary (Fiji's Info text, the command line's report). */
    public String toText() {
        GenerationRequest r = request;
        StringBuilder sb = new StringBuilder();
        sb.append("Prompt: ").append(r.prompt()).append('\n');
        if (r.usesGuidance() || !r.negativePrompt().isEmpty()) {
            sb.append("Negative prompt: ").append(r.negativePrompt()).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "Seed %s, %d steps, %dx%d (width x height), guidance %s",
                r.seedString(), r.steps(), r.width(), r.height(), trim(r.guidance())));
        if (r.usesGuidance() && (r.cfgTruncation() < 1 || r.cfgNormalization() > 0)) {
            sb.append(String.format(Locale.ROOT, " (cfg truncation %s, normalization %s)", trim(r.cfgTruncation()),
                    trim(r.cfgNormalization())));
        }
        sb.append('\n');
        if (!r.loras().isEmpty()) {
            sb.append("LoRA: ");
            for (int i = 0; i < r.loras().size(); i++) {
                LoraUse l = r.loras().get(i);
                sb.append(i > 0 ? ", " : "").append(l.name()).append(" at ").append(trim(l.strength()));
            }
            sb.append('\n');
        }
        sb.append("Model: ").append(modelIdentity).append('\n');
        sb.append(softwareVersion).append(", ").append(engine).append(", ").append(device).append(", ")
                .append(precision).append(", ").append(sampler).append('\n');
        sb.append("Time:");
        for (Map.Entry<Stage, Double> e : timings.stageMillis().entrySet()) {
            sb.append(' ').append(e.getKey().key()).append(' ').append(seconds(e.getValue())).append(',');
        }
        sb.append(" total ").append(seconds(timings.totalMillis())).append('\n');
        for (String w : warnings) {
            sb.append("Warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    private static String seconds(double ms) {
        return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    /** 3.0 as "3", 0.8 as "0.8". */
    static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
