package io.github.jimengstudio.sampling;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The configuration of diffusers' {@code FlowMatchEulerDiscreteScheduler}, as its {@code scheduler_config.json}
 * stores it; absent keys take the class defaults. Z-Image-Turbo's file sets only {@code num_train_timesteps} 1000,
 * {@code shift} 3.0 and {@code use_dynamic_shifting} false.
 *
 * <p>Every field of the diffusers class is read so that a config asking for a feature this port does not have
 * (dynamic shifting, terminal stretching, Karras/exponential/beta sigmas, inverted sigmas, stochastic sampling)
 * is refused by name instead of silently giving a different schedule.
 *
 * @param shiftTerminal 0 when absent: diffusers tests it for truth, so null and 0 both mean "no stretching"
 */
public record SchedulerConfig(
        int numTrainTimesteps,
        double shift,
        boolean useDynamicShifting,
        double baseShift,
        double maxShift,
        int baseImageSeqLen,
        int maxImageSeqLen,
        boolean invertSigmas,
        double shiftTerminal,
        boolean useKarrasSigmas,
        boolean useExponentialSigmas,
        boolean useBetaSigmas,
        String timeShiftType,
        boolean stochasticSampling) {

    public static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";

    /** Validates the values and refuses the features this scheduler does not implement. */
    public SchedulerConfig {
        if (numTrainTimesteps < 1) {
            throw new IllegalArgumentException("num_train_timesteps is " + numTrainTimesteps + "; it must be 1 or more"
                    + " (Z-Image-Turbo uses 1000)");
        }
        if (!(shift > 0) || Double.isInfinite(shift)) {
            throw new IllegalArgumentException("shift is " + shift + "; it must be a finite number above 0"
                    + " (Z-Image-Turbo uses 3.0)");
        }
        if (!"exponential".equals(timeShiftType) && !"linear".equals(timeShiftType)) {
            throw new IllegalArgumentException("time_shift_type is '" + timeShiftType
                    + "'; it must be 'exponential' or 'linear'");
        }
        unsupported(useDynamicShifting, "use_dynamic_shifting is true");
        unsupported(shiftTerminal != 0, "shift_terminal is " + shiftTerminal);
        unsupported(useKarrasSigmas, "use_karras_sigmas is true");
        unsupported(useExponentialSigmas, "use_exponential_sigmas is true");
        unsupported(useBetaSigmas, "use_beta_sigmas is true");
        unsupported(invertSigmas, "invert_sigmas is true");
        unsupported(stochasticSampling, "stochastic_sampling is true");
    }

    private static void unsupported(boolean condition, String what) {
        if (condition) {
            throw new IllegalArgumentException(what + ", which this scheduler does not implement: it runs the"
                    + " fixed-shift Euler schedule of Z-Image-Turbo (use_dynamic_shifting false and the other options"
                    + " at their defaults). Use the model's original scheduler/scheduler_config.json.");
        }
    }

    /** The class defaults with the given static shift and training length. */
    public static SchedulerConfig withShift(int numTrainTimesteps, double shift) {
        return new SchedulerConfig(numTrainTimesteps, shift, false, 0.5, 1.15, 256, 4096, false, 0, false, false,
                false, "exponential", false);
    }

    /** Reads {@code scheduler/scheduler_config.json}. */
    public static SchedulerConfig read(Path file) throws SchedulerConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SchedulerConfigException(file + ": scheduler config not found; the model folder needs"
                    + " scheduler/scheduler_config.json (download it with the model)", e);
        } catch (IOException e) {
            throw new SchedulerConfigException(file + ": cannot read the scheduler config (" + e + ")", e);
        }
        return parse(text, file.toString());
    }

    /** Parses the JSON text of a scheduler config; {@code origin} names it in messages. */
    public static SchedulerConfig parse(String json, String origin) throws SchedulerConfigException {
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                throw new SchedulerConfigException(origin + ": a scheduler config must be a JSON object");
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new SchedulerConfigException(origin + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        try {
            String className = string(o, "_class_name", CLASS_NAME);
            if (!CLASS_NAME.equals(className)) {
                throw new IllegalArgumentException("_class_name is '" + className + "', but only " + CLASS_NAME
                        + " is implemented");
            }
            return new SchedulerConfig(
                    integer(o, "num_train_timesteps", 1000),
                    number(o, "shift", 1.0),
                    bool(o, "use_dynamic_shifting", false),
                    number(o, "base_shift", 0.5),
                    number(o, "max_shift", 1.15),
                    integer(o, "base_image_seq_len", 256),
                    integer(o, "max_image_seq_len", 4096),
                    bool(o, "invert_sigmas", false),
                    number(o, "shift_terminal", 0.0),
                    bool(o, "use_karras_sigmas", false),
                    bool(o, "use_exponential_sigmas", false),
                    bool(o, "use_beta_sigmas", false),
                    string(o, "time_shift_type", "exponential"),
                    bool(o, "stochastic_sampling", false));
        } catch (IllegalArgumentException e) {
            throw new SchedulerConfigException(origin + ": " + e.getMessage(), e);
        }
    }

    /** The key's primitive value, or null when the key is absent or JSON null (the class default then applies). */
    private static JsonPrimitive primitive(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new IllegalArgumentException(key + " is " + e + "; expected a single value");
        }
        return e.getAsJsonPrimitive();
    }

    private static double number(JsonObject o, String key, double fallback) {
        JsonPrimitive p = primitive(o, key);
        if (p == null) {
            return fallback;
        }
        if (!p.isNumber()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected a number");
        }
        return p.getAsDouble();
    }

    private static int integer(JsonObject o, String key, int fallback) {
        double v = number(o, key, fallback);
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " is " + v + "; expected a whole number");
        }
        return (int) v;
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        JsonPrimitive p = primitive(o, key);
        if (p == null) {
            return fallback;
        }
        if (!p.isBoolean()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected true or false");
        }
        return p.getAsBoolean();
    }

    private static String string(JsonObject o, String key, String fallback) {
        JsonPrimitive p = primitive(o, key);
        if (p == null) {
            return fallback;
        }
        if (!p.isString()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected a string");
        }
        return p.getAsString();
    }
}
