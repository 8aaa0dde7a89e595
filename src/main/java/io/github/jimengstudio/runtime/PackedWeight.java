package io.github.jimengstudio.runtime;

import ai.djl.pytorch.engine.PtNDArray;
import java.util.Locale;

/**
 * A linear layer's weight [out, in] copied into MKL's packed GEMM layout for inputs of exactly {@code rows} rows:
 * a GEMM with it skips the re-layout of the weight that every plain call repeats (5–9 % of a float32 linear's time
 * at the transformer's sizes on a CPU, up to 30 % for short inputs). It costs a second copy of the weight in
 * memory and must be made again when the row count changes; it only pays for a weight used many times at one row
 * count, as the transformer's are across the steps of a generation.
 *
 * <p>The packed data is opaque (a libtorch "mkldnn" tensor): nothing may read it but the one-call block, and it
 * only ever goes there next to the weight it was made from ({@link #fits}); its dimensions are not checked again
 * in native code. Not owned by any {@link TensorScope}: the holder closes it.
 */
public final class PackedWeight implements AutoCloseable {

    private final Tensor weight;
    private final long rows;
    private PtNDArray packed;

    private PackedWeight(Tensor weight, long rows, PtNDArray packed) {
        this.weight = weight;
        this.rows = rows;
        this.packed = packed;
    }

    /** Whether {@code weight} can be packed here: a float32 matrix on the CPU, with libtorch built with MKL. */
    public static boolean supported(Tensor weight) {
        return weight.type() == ElementType.FLOAT32 && weight.rank() == 2 && !weight.device().isCuda()
                && TorchRuntime.get().helper().canPackLinears();
    }

    /**
     * Packs {@code weight} [out, in] for inputs of {@code rows} rows; refused where {@link #supported} is false,
     * and with an {@link InsufficientMemoryException} when the copy would not fit in the free memory.
     */
    public static PackedWeight pack(Tensor weight, long rows) {
        if (!supported(weight)) {
            throw new IllegalArgumentException("cannot pack " + weight + " on this runtime: packed weights are"
                    + " float32 matrices on a CPU with libtorch's MKL ops");
        }
        if (rows < 1 || weight.dim(0) < 1 || weight.dim(1) < 1) {
            throw new IllegalArgumentException("cannot pack " + weight + " for " + rows + " rows");
        }
        NativeMemory.require(weight.dim(0) * weight.dim(1) * Float.BYTES, "a packed copy of " + weight);
        return new PackedWeight(weight, rows, TorchRuntime.get().helper().call("pack_linear", weight.array(), rows));
    }

    /**
     * Whether to keep packed copies of {@code bytes} in all: the system property {@code jimeng.packedWeights}
     * ({@code true} or {@code false}) decides, and by default ({@code auto}) they are kept when they take at most
     * a quarter of this machine's memory, so that a model that only just fits is not made to swap.
     */
    public static boolean affordable(long bytes) {
        String setting = System.getProperty("jimeng.packedWeights", "auto").strip().toLowerCase(Locale.ROOT);
        return switch (setting) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> {
                long total = NativeMemory.physicalBytes();
                yield total > 0 && bytes <= total / 4;
            }
            default -> throw new IllegalArgumentException("jimeng.packedWeights is '" + setting
                    + "'; use true, false or auto");
        };
    }

    /** The weight this was packed from. */
    public Tensor weight() {
        return weight;
    }

    /** True when this was packed from exactly {@code w} (the same tensor, not an equal one) for {@code m} rows. */
    public boolean fits(Tensor w, long m) {
        return packed != null && w == weight && m == rows && !w.isClosed();
    }

    public long rows() {
        return rows;
    }

    /** The native memory this copy holds, about the weight's own size. */
    public long bytes() {
        return weight.dim(0) * weight.dim(1) * Float.BYTES;
    }

    PtNDArray array() {
        if (packed == null) {
            throw new IllegalStateException("this packed weight is closed");
        }
        return packed;
    }

    /** Frees the packed copy (the weight it came from is not touched). Closing twice is harmless. */
    @Override
    public void close() {
        if (packed != null) {
            packed.close();
            packed = null;
        }
    }
}
