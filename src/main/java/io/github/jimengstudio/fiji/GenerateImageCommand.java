package io.github.jimengstudio.fiji;

import ij.ImagePlus;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import java.util.List;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Jimeng Studio › Generate Image…: a prompt in, a new RGB image out. Parameter names are the macro keys:
 * {@code run("Generate Image...", "prompt=[a red fox in the snow] width=1024 height=1024 steps=8 seed=42
 * memory_mode=Balanced precision=bfloat16");}. A macro without {@code memory_mode} or {@code precision} (ImageJ
 * hands the command null for a key its options lack) asks for the request's defaults, as before these options.
 */
@Plugin(type = Command.class, menuPath = JimengCommand.MENU + "Generate Image...")
public class GenerateImageCommand extends JimengCommand {

    @Parameter(label = "Prompt", style = "text area", columns = 40)
    private String prompt;

    @Parameter(label = "Negative prompt", required = false, columns = 40, description = "Used only with guidance above 0.")
    private String negative_prompt = "";

    @Parameter(label = "Width (px)", min = "64", max = "4096", stepSize = "16")
    private int width = GenerationRequest.DEFAULT_SIZE;

    @Parameter(label = "Height (px)", min = "64", max = "4096", stepSize = "16")
    private int height = GenerationRequest.DEFAULT_SIZE;

    @Parameter(label = "Steps", min = "1", max = "100")
    private int steps = GenerationRequest.DEFAULT_STEPS;

    @Parameter(label = "Guidance", min = "0", max = "50", stepSize = "0.5",
            description = "0 = none (the Turbo default).")
    private double guidance = 0.0;

    @Parameter(label = "Seed", required = false, description = "-1 or empty: a random seed (recorded in the image).")
    private String seed = "-1";

    @Parameter(label = "LoRA", required = false, description = "A file name from the LoRA folder; empty for none.")
    private String lora = "";

    @Parameter(label = "LoRA strength", min = "-10", max = "10", stepSize = "0.05")
    private double lora_strength = 1.0;

    @Parameter(label = "Memory mode", required = false, choices = {ComputeChoices.GPU, ComputeChoices.BALANCED,
            ComputeChoices.LOW_VRAM, ComputeChoices.CPU}, description = ComputeChoices.MEMORY_MODE_HELP)
    private String memory_mode = ComputeChoices.label(ComputeChoices.DEFAULT_MEMORY_MODE);

    @Parameter(label = "Precision", required = false, choices = {ComputeChoices.AUTO, ComputeChoices.FLOAT32,
            ComputeChoices.BFLOAT16}, description = ComputeChoices.PRECISION_HELP)
    private String precision = ComputeChoices.label(ComputeChoices.DEFAULT_PRECISION);

    @Parameter(type = ItemIO.OUTPUT)
    private ImagePlus image;

    @Override
    protected void execute() throws Exception {
        GenerationRequest.Builder b = GenerationRequest.builder(prompt == null ? "" : prompt)
                .negativePrompt(negative_prompt)
                .size(width, height)
                .steps(steps)
                .guidance(guidance)
                .memoryMode(ComputeChoices.memoryMode(memory_mode))
                .precision(ComputeChoices.precision(precision));
        if (isRandom(seed)) {
            b.randomSeed();
        } else {
            b.seed(GenerationRequest.parseSeed(seed));
        }
        if (lora != null && !lora.isBlank() && !lora.strip().equalsIgnoreCase("none")) {
            b.loras(List.of(new LoraUse(lora.strip(), lora_strength)));
        }
        GenerationRequest request = b.build();
        if (request.prompt().isBlank()) {
            throw new IllegalArgumentException("The prompt is empty: describe the picture you want (in a macro: "
                    + "prompt=[a red fox in the snow]).");
        }
        image = jimeng.toImagePlus(jimeng.generate(request));
    }

    static boolean isRandom(String seed) {
        return seed == null || seed.isBlank() || seed.strip().equals("-1") || seed.strip().equalsIgnoreCase("random");
    }

    public ImagePlus image() {
        return image;
    }
}
