package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Set;

/**
 * Named tensors read lazily from one or more safetensors files. Implementations validate every header before any
 * byte is handed out, so what they return is always consistent with {@link #info}.
 */
public interface WeightSource extends AutoCloseable {

    /** All tensor names, in a stable order. */
    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** The tensor's header entry. @throws WeightFileException naming the tensor when it is absent */
    TensorInfo info(String name) throws WeightFileException;

    /** The tensor's raw little-endian bytes, read-only (a view of the memory-mapped file, not a copy). */
    ByteBuffer data(String name) throws IOException;

    /** A human-readable description of where these weights come from (file or folder), for messages. */
    String origin();

    /** The tensor as float32 values (F32 copied, F16 and BF16 upcast exactly). I64 is refused. */
    default float[] floats(String name) throws IOException {
        TensorInfo info = info(name);
        ByteBuffer bytes = data(name);
        float[] out = new float[Math.toIntExact(info.numel())];
        decodeFloats(info, bytes, out, 0);
        return out;
    }

    /** The tensor as 64-bit integers; only I64 tensors. */
    default long[] longs(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.dtype() != DType.I64) {
            throw new WeightFileException(null, name, "is " + info.dtype() + ", not I64 (" + origin() + ")");
        }
        long[] out = new long[Math.toIntExact(info.numel())];
        data(name).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** Decodes a floating tensor's bytes into {@code out} starting at {@code offset}. */
    static void decodeFloats(TensorInfo info, ByteBuffer bytes, float[] out, int offset) throws WeightFileException {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(info.numel());
        switch (info.dtype()) {
            case F32 -> b.asFloatBuffer().get(out, offset, n);
            case BF16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Half.bf16ToFloat(s.get(i));
                }
            }
            case F16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Half.f16ToFloat(s.get(i));
                }
            }
            default -> throw new WeightFileException(null, info.name(),
                    "is " + info.dtype() + ", not a floating-point tensor");
        }
    }

    @Override
    void close() throws IOException;
}
