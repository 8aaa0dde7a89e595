package io.github.jimengstudio.lora;

import java.util.Collection;

/**
 * The key layout a LoRA file was written in, recognised from its tensor names alone (so the library can show it
 * from the header). Parsing does not depend on it: {@link LoraParser} reads every layout through the same
 * name table. It is shown to the user and written into provenance.
 */
public enum LoraFormat {
    /** diffusers / PEFT: {@code transformer.<module>.lora_A.weight}, alpha folded in or in the adapter config. */
    DIFFUSERS_PEFT("diffusers/PEFT"),
    /** kohya / musubi-tuner: {@code lora_unet_<module_with_underscores>.lora_down.weight} and {@code .alpha}. */
    KOHYA("kohya/musubi"),
    /** ComfyUI / ai-toolkit: {@code diffusion_model.<module>.lora_A.weight}, possibly fused {@code attention.qkv}. */
    COMFYUI("ComfyUI/ai-toolkit"),
    /** DiffSynth (PEFT with its adapter name): {@code <module>.lora_A.default.weight}. */
    DIFFSYNTH("DiffSynth"),
    /** The "dot" variant: {@code <module>.lora.down.weight}, {@code to.q} for {@code to_q}. */
    DOT("dot variant"),
    /** LyCORIS LoKr / LoHa factors: recognised so they can be named, but not applied. */
    LYCORIS("LyCORIS (not supported)"),
    /** No LoRA factors recognised. */
    UNKNOWN("unknown");

    private final String label;

    LoraFormat(String label) {
        this.label = label;
    }

    /** A short human-readable name, e.g. {@code kohya/musubi}. */
    public String label() {
        return label;
    }

    /** The layout of a file with these tensor names. */
    public static LoraFormat detect(Collection<String> keys) {
        boolean peft = false;
        boolean named = false;
        boolean kohyaSuffix = false;
        boolean kohyaPrefix = false;
        boolean comfyPrefix = false;
        boolean dot = false;
        boolean lycoris = false;
        for (String k : keys) {
            LoraKey key = LoraKey.parse(k);
            switch (key.role()) {
                case DOWN, UP -> {
                    if (k.endsWith(".lora.down.weight") || k.endsWith(".lora.up.weight")) {
                        dot = true;
                    } else if (k.endsWith(".lora_down.weight") || k.endsWith(".lora_up.weight")) {
                        kohyaSuffix = true;
                    } else {
                        peft = true;
                        named |= key.adapter() != null;
                    }
                }
                case UNSUPPORTED -> lycoris |= k.contains("lokr_") || k.contains("hada_");
                default -> { }
            }
            kohyaPrefix |= k.startsWith("lora_unet_") || k.startsWith("lycoris_") || k.startsWith("lora_transformer_");
            comfyPrefix |= k.startsWith("diffusion_model.");
        }
        if (dot) {
            return DOT;
        }
        if (kohyaPrefix && (kohyaSuffix || peft)) {
            return KOHYA;
        }
        if (comfyPrefix && (kohyaSuffix || peft)) {
            return COMFYUI;
        }
        if (named) {
            return DIFFSYNTH;
        }
        if (peft) {
            return DIFFUSERS_PEFT;
        }
        if (kohyaSuffix) {
            return KOHYA;
        }
        return lycoris ? LYCORIS : UNKNOWN;
    }
}
