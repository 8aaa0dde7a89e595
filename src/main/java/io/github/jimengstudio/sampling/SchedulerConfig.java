package io.github.jimengstudio.sampling;

import io.github.jimengstudio.tensor.JsonConfig;
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
        return parse(JsonConfig.readText(file, "scheduler config", "scheduler/scheduler_config.json",
                SchedulerConfigException::new), file.toString());
    }

    /** Parses the JSON text of a scheduler config; {@code origin} names it in messages. */
    public static SchedulerConfig parse(String json, String origin) throws SchedulerConfigException {
        JsonConfig c = JsonConfig.parse(json, origin, "scheduler config", SchedulerConfigException::new);
        try {
            c.requireClassName(CLASS_NAME);
            return new SchedulerConfig(
                    c.integer("num_train_timesteps", 1000),
                    c.number("shift", 1.0),
                    c.bool("use_dynamic_shifting", false),
                    c.number("base_shift", 0.5),
                    c.number("max_shift", 1.15),
                    c.integer("base_image_seq_len", 256),
                    c.integer("max_image_seq_len", 4096),
                    c.bool("invert_sigmas", false),
                    c.number("shift_terminal", 0.0),
                    c.bool("use_karras_sigmas", false),
                    c.bool("use_exponential_sigmas", false),
                    c.bool("use_beta_sigmas", false),
                    c.string("time_shift_type", "exponential"),
                    c.bool("stochastic_sampling", false));
        } catch (IllegalArgumentException e) {
            throw new SchedulerConfigException(origin + ": " + e.getMessage(), e);
        }
    }
}
