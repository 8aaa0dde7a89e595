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
 * <p>The packed data is opaque (a libtorch "mkldnn" tensor): only the packed linears read it
 * ({@link Functional#linear(Tensor, PackedWeight)} and the one-call block), and only next to the weight it was made
 * from and for its row count ({@link #fits}), as native code reads it with that weight's dimensions and no check
 * of its own. Not owned by any {@link TensorScope}: the holder closes it, never while a forward may use it (the
 * pipeline's lock orders both).
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

    /** {@link #pack(Tensor, long, long)} keeping nothing free beyond the reserve. */
    public static PackedWeight pack(Tensor weight, long rows) {
        return pack(weight, rows, 0);
    }

    /**
     * Packs {@code weight} [out, in] for inputs of {@code rows} rows; refused where {@link #supported} is false,
     * and with an {@link InsufficientMemoryException} when the copy would not leave {@code keepFree} bytes (e.g. the
     * forward pass's working memory) beyond the reserve.
     */
    public static PackedWeight pack(Tensor weight, long rows, long keepFree) {
        if (!supported(weight)) {
            throw new IllegalArgumentException("cannot pack " + weight + " on this runtime: packed weights are"
                    + " float32 matrices on a CPU with libtorch's MKL ops");
        }
        if (rows < 1 || weight.dim(0) < 1 || weight.dim(1) < 1) {
            throw new IllegalArgumentException("cannot pack " + weight + " for " + rows + " rows");
        }
        NativeMemory.require(bytesFor(weight) + Math.max(0, keepFree), "a packed copy of " + weight);
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

    /** True once closed (or when the weight it came from is). */
    public boolean isClosed() {
        return packed == null || weight.isClosed();
    }

    public long rows() {
        return rows;
    }

    /** The native memory this copy holds, about the weight's own size. */
    public long bytes() {
        return bytesFor(weight);
    }

    /** The native memory a packed copy of the float32 matrix {@code weight} holds. */
    public static long bytesFor(Tensor weight) {
        return weight.numel() * Float.BYTES;
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
