package io.github.jimengstudio.pipeline;

import java.util.Objects;

/** One LoRA applied to a generation: its name in the LoRA library and its strength. */
public record LoraUse(String name, double strength) {

    /** Strengths outside this range are almost always typos (a LoRA at 50 saturates the image). */
    public static final double MAX_ABS_STRENGTH = 10.0;

    public LoraUse {
        Objects.requireNonNull(name, "LoRA name");
        if (name.isBlank()) {
            throw new InvalidRequestException("A LoRA name is empty: give the file name from the LoRA folder.");
        }
        if (!Double.isFinite(strength) || Math.abs(strength) > MAX_ABS_STRENGTH) {
            throw new InvalidRequestException("LoRA '" + name + "' has strength " + strength
                    + ": use a finite value between -" + MAX_ABS_STRENGTH + " and " + MAX_ABS_STRENGTH
                    + " (1.0 is the usual full strength).");
        }
    }

    /** Parses {@code NAME} or {@code NAME:STRENGTH} (strength defaults to 1.0); the name may itself contain ':'. */
    public static LoraUse parse(String spec) {
        Objects.requireNonNull(spec, "LoRA spec");
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            String tail = spec.substring(colon + 1).trim();
            try {
                return new LoraUse(spec.substring(0, colon).trim(), Double.parseDouble(tail));
            } catch (NumberFormatException e) {
                // not a number after the last colon: the whole spec is the name
            }
        }
        return new LoraUse(spec.trim(), 1.0);
    }

    @Override
    public String toString() {
        return name + ":" + strength;
    }
}
