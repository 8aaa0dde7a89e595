package io.github.jimengstudio.fiji;

import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The memory mode and the precision as Fiji users see and type them: one label per {@link MemoryMode} and
 * {@link Precision}, shared by the Generate Image dialog (its choices, which are also the macro values) and the
 * panel's fold-out. Nothing chosen means the request's own defaults, so a macro recorded before these options
 * existed asks for what it always asked for.
 */
public final class ComputeChoices {
    private ComputeChoices() {}

    // Constants, because @Parameter(choices = ...) takes only constants; label(...) maps them to the enums.
    public static final String GPU = "GPU";
    public static final String BALANCED = "Balanced";
    public static final String LOW_VRAM = "Low VRAM";
    public static final String CPU = "CPU";
    public static final String AUTO = "auto";
    public static final String FLOAT32 = "float32";
    public static final String BFLOAT16 = "bfloat16";

    private static final GenerationRequest DEFAULTS = GenerationRequest.builder("").build();
    /** What a request asks for when no memory mode is chosen. */
    public static final MemoryMode DEFAULT_MEMORY_MODE = DEFAULTS.memoryMode();
    /** What a request asks for when no precision is chosen. */
    public static final Precision DEFAULT_PRECISION = DEFAULTS.precision();

    /** The tooltip of the memory mode choice. */
    public static final String MEMORY_MODE_HELP = "Where the networks live. GPU: all on the GPU (fastest, the most "
            + "GPU memory). Balanced: the transformer on the GPU, the text encoder and VAE on the CPU. Low VRAM: each "
            + "network visits the GPU for its stage (small cards). CPU: all on the CPU. Without a GPU every mode runs "
            + "on the CPU and gives the same pixels.";
    /** The tooltip of the precision choice. */
    public static final String PRECISION_HELP = "Of the transformer and text encoder (the VAE is always float32). "
            + "auto: bfloat16 on a GPU, float32 on a CPU. bfloat16 on a CPU with AMX (recent Xeons) is about 2.4x "
            + "faster than float32 with half the memory; elsewhere on a CPU it is slow. A seed gives the same "
            + "picture only in the same precision.";

    public static String label(MemoryMode mode) {
        return switch (mode) {
            case GPU -> GPU;
            case BALANCED -> BALANCED;
            case LOW_VRAM -> LOW_VRAM;
            case CPU -> CPU;
        };
    }

    public static String label(Precision precision) {
        return switch (precision) {
            case AUTO -> AUTO;
            case FLOAT32 -> FLOAT32;
            case BFLOAT16 -> BFLOAT16;
        };
    }

    /** Every memory mode's label, in {@link MemoryMode}'s order. */
    public static List<String> memoryModeLabels() {
        return Arrays.stream(MemoryMode.values()).map(ComputeChoices::label).toList();
    }

    /** Every precision's label, in {@link Precision}'s order. */
    public static List<String> precisionLabels() {
        return Arrays.stream(Precision.values()).map(ComputeChoices::label).toList();
    }

    /**
     * The memory mode a label, or the enum's or command line's name ({@code LOW_VRAM}, {@code low-vram}), stands
     * for, in any case; null or blank: {@link #DEFAULT_MEMORY_MODE}.
     *
     * @throws InvalidRequestException naming the choices
     */
    public static MemoryMode memoryMode(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_MEMORY_MODE;
        }
        for (MemoryMode m : MemoryMode.values()) {
            if (key(text).equals(key(label(m))) || key(text).equals(key(m.name()))) {
                return m;
            }
        }
        throw new InvalidRequestException("memory mode '" + text.strip() + "' is not one of: "
                + String.join(", ", memoryModeLabels()) + ".");
    }

    /**
     * The precision a label ({@code auto}, {@code float32}, {@code bfloat16}, also {@code fp32} and {@code bf16} as
     * on the command line) stands for, in any case; null or blank: {@link #DEFAULT_PRECISION}.
     *
     * @throws InvalidRequestException naming the choices
     */
    public static Precision precision(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_PRECISION;
        }
        String k = key(text);
        for (Precision p : Precision.values()) {
            if (k.equals(key(label(p)))) {
                return p;
            }
        }
        Precision named = Precision.named(k);
        if (named != null) {
            return named;
        }
        throw new InvalidRequestException("precision '" + text.strip() + "' is not one of: "
                + String.join(", ", precisionLabels()) + ".");
    }

    /** "Low VRAM", "LOW_VRAM" and "low-vram" alike: lower case, letters and digits only. */
    private static String key(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }
}
