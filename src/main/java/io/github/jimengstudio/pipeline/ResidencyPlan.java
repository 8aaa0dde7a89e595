package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.runtime.ComputeDevice;
import java.util.Objects;

/**
 * Where each network computes and whether it stays loaded between its uses, for a {@link MemoryMode} on a machine
 * with or without a GPU (DESIGN §3):
 * <pre>
 *   mode       text encoder   transformer        VAE
 *   GPU        GPU, resident  GPU, resident      GPU, resident
 *   BALANCED   CPU, resident  GPU, resident      CPU, resident
 *   LOW_VRAM   GPU, visiting  GPU, visiting      GPU, visiting     (loaded for its stage, freed after it)
 *   CPU        CPU, resident  CPU, resident      CPU, resident
 * </pre>
 * Without a GPU every mode computes everything on the CPU, resident, so every mode gives the same pixels.
 * The compute precision follows from where a network computes: {@link Precision#AUTO} is bfloat16 on a GPU and
 * float32 on a CPU (bf16 products run at about 1 GFLOP/s on AVX2 CPUs), and the VAE is always float32.
 *
 * <p>The pipeline loads each network onto {@link #device(Component)}. "Visiting" means loaded from the file
 * mapping for its stage and freed after it, not copied back to the host: a host copy would hold the network a
 * second time in RAM next to the page cache of the file it came from (WeightLoader explains the choice).
 *
 * @param gpu the GPU the pipeline may use, or null when it may not (no GPU, or the CPU was asked for)
 */
public record ResidencyPlan(MemoryMode mode, ComputeDevice gpu) {

    /** The three networks. */
    public enum Component {
        TEXT_ENCODER("text encoder"), TRANSFORMER("transformer"), VAE("VAE");

        private final String label;

        Component(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public ResidencyPlan {
        Objects.requireNonNull(mode, "mode");
        if (gpu != null && !gpu.isCuda()) {
            throw new IllegalArgumentException("the plan's GPU must be a CUDA device, not " + gpu);
        }
    }

    /** A plan for the first GPU ({@code cuda:0}) when {@code gpuAvailable}, else for the CPU alone. */
    public ResidencyPlan(MemoryMode mode, boolean gpuAvailable) {
        this(mode, gpuAvailable ? ComputeDevice.cuda(0) : null);
    }

    public boolean gpuAvailable() {
        return gpu != null;
    }

    /** Where the component's weights are loaded and where it computes. */
    public ComputeDevice device(Component c) {
        return onGpu(c) ? gpu : ComputeDevice.CPU;
    }

    /** True when the component computes on the GPU. */
    public boolean onGpu(Component c) {
        if (gpu == null) {
            return false;
        }
        return switch (mode) {
            case GPU, LOW_VRAM -> true;
            case BALANCED -> c == Component.TRANSFORMER;
            case CPU -> false;
        };
    }

    /** False when the component is loaded for its stage and freed right after (LOW_VRAM on a GPU machine). */
    public boolean resident(Component c) {
        return !(gpu != null && mode == MemoryMode.LOW_VRAM);
    }

    /**
     * The precision the component computes in: the VAE always float32; the others as requested, AUTO becoming
     * bfloat16 on the GPU and float32 on the CPU. A bfloat16 request on the CPU is honoured (slow but allowed).
     */
    public Precision precision(Component c, Precision requested) {
        if (c == Component.VAE) {
            return Precision.FLOAT32;
        }
        if (requested == Precision.AUTO) {
            return onGpu(c) ? Precision.BFLOAT16 : Precision.FLOAT32;
        }
        return requested;
    }

    /** The name recorded for a precision: {@code float32} or {@code bfloat16}. */
    public static String label(Precision p) {
        return switch (p) {
            case FLOAT32 -> "float32";
            case BFLOAT16 -> "bfloat16";
            case AUTO -> throw new IllegalArgumentException("AUTO is resolved by a plan, not recorded");
        };
    }
}
