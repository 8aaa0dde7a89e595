package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.fiji.ComputeChoices;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.util.List;

/**
 * What the panel's controls hold, as plain values: the bridge between the Swing widgets and a
 * {@link GenerationRequest}. Building the request is where the user's typing is judged; every problem is an
 * {@link InvalidRequestException} whose message the panel shows beside the Generate button.
 *
 * @param negativePrompt what the picture should not show; the model reads it only when guidance is above 0
 * @param loras          the LoRAs chosen (rows left at {@link #NO_LORA} are not in it), in the order shown
 * @param seedLocked     true: use {@code seed}; false: draw a new one each run (the dice)
 * @param seed           the seed as typed (unsigned decimal), read only when locked
 * @param size           the size box's text, see {@link ImageSize#parse}
 * @param memoryMode     where the networks live; null: the request's default
 * @param precision      the transformer's and text encoder's precision; null: the request's default
 */
public record PanelSettings(String prompt, String negativePrompt, List<LoraUse> loras, int steps, double guidance,
        boolean seedLocked, String seed, String size, MemoryMode memoryMode, Precision precision) {

    /** What a LoRA dropdown shows when it adds no LoRA. */
    public static final String NO_LORA = "None";

    public PanelSettings {
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        loras = loras == null ? List.of() : List.copyOf(loras);
        memoryMode = memoryMode == null ? ComputeChoices.DEFAULT_MEMORY_MODE : memoryMode;
        precision = precision == null ? ComputeChoices.DEFAULT_PRECISION : precision;
    }

    /**
     * The Turbo recipe: 1024 × 1024, 8 steps, no guidance, no negative prompt, no LoRA, a new seed each run, in the
     * request's default memory mode and precision.
     */
    public static PanelSettings defaults() {
        return new PanelSettings("", "", List.of(), GenerationRequest.DEFAULT_STEPS, 0.0, false, "",
                ImageSize.PRESETS.get(0).label(), null, null);
    }

    /** The request these settings describe. @throws InvalidRequestException naming what to change */
    public GenerationRequest toRequest() {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException("The prompt is empty: describe the picture you want.");
        }
        ImageSize s = ImageSize.parse(size);
        GenerationRequest.Builder b = GenerationRequest.builder(prompt).negativePrompt(negativePrompt)
                .size(s.width(), s.height()).steps(steps).guidance(guidance).loras(loras).memoryMode(memoryMode)
                .precision(precision);
        if (seedLocked) {
            if (seed == null || seed.isBlank()) {
                throw new InvalidRequestException("The seed is locked but empty: type a seed, or unlock it for a "
                        + "new random seed each run.");
            }
            b.seed(GenerationRequest.parseSeed(seed));
        } else {
            b.randomSeed();
        }
        return b.build();
    }

    /**
     * The settings that made {@code record} (its negative prompt, every LoRA with its strength, its memory mode and
     * precision), with its seed locked, so Generate makes the same image again.
     */
    public static PanelSettings of(GenerationRecord record) {
        GenerationRequest r = record.request();
        return new PanelSettings(r.prompt(), r.negativePrompt(), r.loras(), r.steps(), r.guidance(), true,
                r.seedString(), new ImageSize(r.width(), r.height()).label(), r.memoryMode(), r.precision());
    }
}
