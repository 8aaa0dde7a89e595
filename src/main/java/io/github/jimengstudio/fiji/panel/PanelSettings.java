package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import java.util.List;

/**
 * What the panel's controls hold, as plain values: the bridge between the Swing widgets and a
 * {@link GenerationRequest}. Building the request is where the user's typing is judged; every problem is an
 * {@link InvalidRequestException} whose message the panel shows beside the Generate button.
 *
 * @param lora       a name from the LoRA library, or {@link #NO_LORA}
 * @param seedLocked true: use {@code seed}; false: draw a new one each run (the dice)
 * @param seed       the seed as typed (unsigned decimal), read only when locked
 * @param size       the size box's text, see {@link ImageSize#parse}
 */
public record PanelSettings(String prompt, String lora, double loraStrength, int steps, double guidance,
        boolean seedLocked, String seed, String size) {

    public static final String NO_LORA = "None";

    /** The Turbo recipe: 1024 × 1024, 8 steps, no guidance, no LoRA, a new seed each run. */
    public static PanelSettings defaults() {
        return new PanelSettings("", NO_LORA, 1.0, GenerationRequest.DEFAULT_STEPS, 0.0, false, "",
                ImageSize.PRESETS.get(0).label());
    }

    public boolean hasLora() {
        return lora != null && !lora.isBlank() && !lora.equals(NO_LORA);
    }

    /** The request these settings describe. @throws InvalidRequestException naming what to change */
    public GenerationRequest toRequest() {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException("The prompt is empty: describe the picture you want.");
        }
        ImageSize s = ImageSize.parse(size);
        GenerationRequest.Builder b = GenerationRequest.builder(prompt).size(s.width(), s.height()).steps(steps)
                .guidance(guidance);
        if (seedLocked) {
            if (seed == null || seed.isBlank()) {
                throw new InvalidRequestException("The seed is locked but empty: type a seed, or unlock it for a "
                        + "new random seed each run.");
            }
            b.seed(GenerationRequest.parseSeed(seed));
        } else {
            b.randomSeed();
        }
        if (hasLora()) {
            b.loras(List.of(new LoraUse(lora, loraStrength)));
        }
        return b.build();
    }

    /**
     * The settings that made {@code record}, with its seed locked, so Generate makes the same image again. The
     * panel holds one LoRA: a record with several restores the first.
     */
    public static PanelSettings of(GenerationRecord record) {
        GenerationRequest r = record.request();
        LoraUse first = r.loras().isEmpty() ? null : r.loras().get(0);
        return new PanelSettings(r.prompt(), first == null ? NO_LORA : first.name(),
                first == null ? 1.0 : first.strength(), r.steps(), r.guidance(), true, r.seedString(),
                new ImageSize(r.width(), r.height()).label());
    }
}
