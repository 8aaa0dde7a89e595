package io.github.jimengstudio.lora;

import java.util.List;

/**
 * A LoRA file read into canonical adapters, validated as a whole against one model's target catalogue: every
 * adapter names an existing Linear weight and fits its shape. Immutable; the same instance can be applied at any
 * strength, stacked with others, and switched in and out without touching the base weights.
 *
 * @param name     the library name (file name without extension)
 * @param format   the file's key layout
 * @param adapters one adapter per patched weight, ordered by weight name
 * @param notes    what was dropped or adjusted on the way, for the log (e.g. redundant fused copies)
 */
public record Lora(String name, LoraFormat format, List<LoraAdapter> adapters, List<String> notes) {

    public Lora {
        adapters = List.copyOf(adapters);
        notes = List.copyOf(notes);
    }

    /** The adapter patching this weight, or null. */
    public LoraAdapter adapterFor(String weightName) {
        for (LoraAdapter a : adapters) {
            if (a.target().equals(weightName)) {
                return a;
            }
        }
        return null;
    }

    /** Bytes of all A and B factors as float32: what caching this LoRA on a device costs. */
    public long bytes() {
        long n = 0;
        for (LoraAdapter a : adapters) {
            n += a.bytes();
        }
        return n;
    }
}
