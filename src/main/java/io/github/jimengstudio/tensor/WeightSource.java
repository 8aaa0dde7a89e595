package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
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

    /**
     * Free-form string metadata: a file's {@code __metadata__} (kohya {@code ss_*} keys, {@code format}), or a
     * sharded checkpoint's index {@code metadata}. Empty when there is none.
     */
    default Map<String, String> metadata() {
        return Map.of();
    }

    /** The tensor as float32 values (F32 copied, F16 and BF16 upcast exactly). I64 is refused. */
    default float[] floats(String name) throws IOException {
        TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new WeightFileException(origin(), name, "is " + info.dtype() + ", not a floating-point tensor");
        }
        float[] out = new float[Math.toIntExact(info.numel())];
        decodeFloats(info, data(name), out, 0);
        return out;
    }

    /**
     * Writes the tensor as little-endian float32 into {@code dst} (typically memory the engine allocated for the
     * tensor), widening F16/BF16 exactly on the way, without a heap copy. Converts {@code dst.remaining() / 4}
     * values starting at element {@code first}, so a tensor whose float32 form exceeds one buffer can be loaded
     * in pieces; advances {@code dst}.
     */
    default void readFloats(String name, long first, ByteBuffer dst) throws IOException {
        TensorInfo info = info(name);
        long count = dst.remaining() / 4;
        if (first < 0 || first + count > info.numel()) {
            throw new WeightFileException(origin(), name, "elements [" + first + ", " + (first + count)
                    + ") requested, but the tensor has " + info.numel());
        }
        if (!info.dtype().isFloating()) {
            throw new WeightFileException(origin(), name, "is " + info.dtype() + ", not a floating-point tensor");
        }
        int size = info.dtype().byteSize();
        ByteBuffer src = data(name).slice(Math.toIntExact(first * size), Math.toIntExact(count * size));
        switch (info.dtype()) {
            case F32 -> {
                ByteBuffer d = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
                d.put(src);
                dst.position(dst.position() + d.position());
            }
            case BF16 -> Half.bf16ToFloat(src, dst);
            case F16 -> Half.f16ToFloat(src, dst);
            default -> throw new AssertionError(info.dtype());
        }
    }

    /** The tensor as 64-bit integers; only I64 tensors. */
    default long[] longs(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.dtype() != DType.I64) {
            throw new WeightFileException(origin(), name, "is " + info.dtype() + ", not I64");
        }
        long[] out = new long[Math.toIntExact(info.numel())];
        data(name).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** Decodes a floating tensor's bytes into {@code out} starting at {@code offset}. */
    static void decodeFloats(TensorInfo info, ByteBuffer bytes, float[] out, int offset) throws WeightFileException {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(info.numel());
        b.limit(b.position() + n * info.dtype().byteSize());
        switch (info.dtype()) {
            case F32 -> b.asFloatBuffer().get(out, offset, n);
            case BF16 -> Half.bf16ToFloat(b, out, offset);
            case F16 -> Half.f16ToFloat(b, out, offset);
            default -> throw new WeightFileException((String) null, info.name(),
                    "is " + info.dtype() + ", not a floating-point tensor");
        }
    }

    @Override
    void close() throws IOException;
}
