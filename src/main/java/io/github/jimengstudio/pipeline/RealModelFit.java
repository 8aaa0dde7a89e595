package io.github.jimengstudio.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Will the real Z-Image-Turbo run here? What each memory mode needs (README's hardware table: estimates from the
 * networks' sizes, 6.15 B transformer parameters, 4 B in the text encoder, at 1024²; not yet measured on real
 * weights) set against this machine's memory, in words a user reads in Diagnostics.
 */
public final class RealModelFit {
    private static final long GB = 1_000_000_000L;
    /** The Hugging Face download's size. */
    public static final long DISK_BYTES = 33 * GB;

    /** One way to run it: the GPU memory and the RAM it takes. */
    public record Need(String setting, long gpuBytes, long ramBytes) {}

    /** The rows of README's hardware table, in its order. */
    public static final List<Need> NEEDS = List.of(
            new Need("GPU (all on the GPU, bfloat16)", 24 * GB, 8 * GB),
            new Need("Balanced (transformer on the GPU)", 16 * GB, 24 * GB),
            new Need("Low VRAM (each network visits the GPU)", 14 * GB, 16 * GB),
            new Need("CPU, bfloat16", 0, 32 * GB),
            new Need("CPU, float32", 0, 48 * GB));

    private RealModelFit() {}

    /**
     * One line per way to run the real model on this machine.
     *
     * @param ramBytes  this machine's memory (or -1: unknown)
     * @param gpuCount  CUDA devices libtorch sees
     * @param diskBytes free disk where the model would go (or -1: unknown)
     */
    public static List<String> verdicts(long ramBytes, int gpuCount, long diskBytes) {
        List<String> lines = new ArrayList<>();
        for (Need n : NEEDS) {
            StringBuilder sb = new StringBuilder(n.setting()).append(": needs about ");
            if (n.gpuBytes() > 0) {
                sb.append(gb(n.gpuBytes())).append(" of GPU memory and ");
            }
            sb.append(gb(n.ramBytes())).append(" of RAM");
            if (n.gpuBytes() > 0 && gpuCount == 0) {
                sb.append(" — no NVIDIA GPU here: this mode runs everything on the CPU (see the CPU rows)");
            } else if (ramBytes < 0) {
                sb.append(" — this machine's memory is not known");
            } else if (ramBytes >= n.ramBytes()) {
                sb.append(" — fits this machine's ").append(gb(ramBytes)).append(" of RAM")
                        .append(n.gpuBytes() > 0 ? " (check the GPU's memory)" : "");
            } else {
                sb.append(" — does not fit: this machine has ").append(gb(ramBytes));
            }
            lines.add(sb.toString());
        }
        lines.add("Disk: the model takes about " + gb(DISK_BYTES) + (diskBytes < 0 ? ""
                : diskBytes >= DISK_BYTES ? "; " + gb(diskBytes) + " free where it would go"
                : "; only " + gb(diskBytes) + " free where it would go: not enough"));
        return lines;
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.0f GB", bytes / (double) GB);
    }
}
