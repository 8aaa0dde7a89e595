package io.github.jimengstudio.lora;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Guesses which model a LoRA that does not fit Z-Image was made for, from the module names only (shapes can
 * coincide on purpose or by accident; names cannot). The guess goes into the refusal message, because "this is a
 * FLUX LoRA" tells the user what to do, and "key not found" does not.
 */
final class ForeignLoraHint {

    private record Family(String cause, List<String> markers) {}

    // Checked in order; the first family with a marker in any key wins. Markers are matched on the lower-cased key
    // with '.' and '_' unified, so kohya and diffusers spellings of a family look the same.
    private static final List<Family> FAMILIES = List.of(
            new Family("this looks like a FLUX LoRA (double_blocks / single_blocks); use it with FLUX",
                    List.of("double.blocks", "single.blocks", "single.transformer.blocks", "img.attn", "txt.attn")),
            new Family("this looks like a Stable Diffusion / SDXL LoRA (UNet blocks)",
                    List.of("down.blocks", "up.blocks", "mid.block", "input.blocks", "output.blocks",
                            "middle.block")),
            new Family("this looks like an SD3 LoRA (joint_blocks)", List.of("joint.blocks", "context.block")),
            new Family("this looks like a LoRA for another DiT such as Qwen-Image or SD3 (transformer_blocks)",
                    List.of("transformer.blocks", "img.mod", "txt.mod", "add.q.proj")),
            new Family("this looks like a Lumina 2 LoRA in diffusers names (attn.to_q / feed_forward.linear_1)",
                    List.of("attn.to.q", "feed.forward.linear")),
            new Family("the file holds text-encoder LoRA keys (lora_te / text_encoder / Qwen3 q_proj), and Jimeng "
                    + "Studio applies LoRAs to the transformer only",
                    List.of("lora.te", "text.encoder", "self.attn.q.proj", "mlp.gate.proj")),
            new Family("this looks like a Wan video LoRA (self_attn / cross_attn blocks)",
                    List.of("self.attn.q", "cross.attn.q")));

    private ForeignLoraHint() {}

    /** The likely cause for keys that map nowhere, if their names reveal another model family. */
    static Optional<String> forKeys(Collection<String> keys) {
        for (Family f : FAMILIES) {
            for (String key : keys) {
                String k = key.toLowerCase(Locale.ROOT).replace('_', '.');
                for (String marker : f.markers()) {
                    if (k.contains(marker)) {
                        return Optional.of(f.cause());
                    }
                }
            }
        }
        return Optional.empty();
    }
}
