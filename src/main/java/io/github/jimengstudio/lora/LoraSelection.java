package io.github.jimengstudio.lora;

import java.util.Objects;

/** A LoRA chosen by its library name, at a strength (1.0 = as trained, 0 = off). */
public record LoraSelection(String name, double strength) {

    public LoraSelection {
        Objects.requireNonNull(name, "LoRA name");
        if (!Double.isFinite(strength)) {
            throw new IllegalArgumentException("LoRA '" + name + "': strength " + strength + " is not finite");
        }
    }
}
