package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files in the layout of the golden files: an 8-byte little-endian header length; a compact
 * JSON header with the tensors sorted by name (code point order, as Python sorts) and then an optional
 * {@code __metadata__} map of strings in insertion order, ASCII-only (other characters escaped as
 * {@code \\uXXXX}, as Python's {@code json.dumps} does), padded with spaces to a multiple of 8 bytes; then each
 * tensor's little-endian data in name order, back to back.
 *
 * <p>Tensors are collected first (so the header can be written before the data) but their bytes are only pulled
 * when {@link #write} streams them to disk: arrays are held by reference, buffers and other weight sources are
 * read in place, and a {@link Content} callback can produce a multi-gigabyte tensor in chunks. The file appears
 * under its name only once complete (written beside it, then moved).
 */
public final class SafetensorsWriter {

    /** Produces one tensor's bytes, little-endian, exactly as many as its dtype and shape declare. */
    @FunctionalInterface
    public interface Content {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    /** Python's {@code sorted()} order on str: by code point (not by UTF-16 unit, as String.compareTo). */
    public static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private static final int CHUNK_BYTES = 1 << 16;

    private record Entry(String name, DType dtype, long[] shape, long byteLength, Content content) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final TreeMap<String, Entry> entries = new TreeMap<>(CODE_POINT_ORDER);

    public SafetensorsWriter metadata(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("metadata keys and values must not be null");
        }
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> values) {
        values.forEach(this::metadata);
        return this;
    }

    /** A floating tensor from float32 values, stored as F32, or rounded to nearest even into BF16 or F16. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("tensor '" + name + "': float values cannot be stored as " + dtype);
        }
        checkCount(name, dtype, shape, values.length);
        return put(name, dtype, shape, out -> writeFloats(out, dtype, values));
    }

    /** An I64 tensor. */
    public SafetensorsWriter add(String name, long[] shape, long[] values) {
        checkCount(name, DType.I64, shape, values.length);
        return put(name, DType.I64, shape, out -> {
            ByteBuffer chunk = chunkBuffer();
            for (int done = 0; done < values.length; ) {
                int k = Math.min(CHUNK_BYTES / 8, values.length - done);
                chunk.clear();
                chunk.asLongBuffer().put(values, done, k);
                chunk.limit(8 * k);
                writeFully(out, chunk);
                done += k;
            }
        });
    }

    /** A tensor from its raw little-endian bytes (the buffer's remaining bytes, read when the file is written). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer littleEndianBytes) {
        ByteBuffer bytes = littleEndianBytes.duplicate();
        long expected = byteLength(name, dtype, shape);
        if (bytes.remaining() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes.remaining() + " bytes given, "
                    + dtype + Arrays.toString(shape) + " needs " + expected);
        }
        return put(name, dtype, shape, out -> writeFully(out, bytes.duplicate()));
    }

    /** A tensor whose bytes are produced while the file is written (for tensors too large for the heap). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, Content content) {
        return put(name, dtype, shape, content);
    }

    /** Every tensor of {@code source} as stored (same dtype, shape and bytes), read from it during {@link #write}. */
    public SafetensorsWriter addAll(WeightSource source) throws WeightFileException {
        for (String name : source.names()) {
            TensorInfo info = source.info(name);
            put(name, info.dtype(), info.shape(), out -> writeFully(out, source.data(name)));
        }
        return this;
    }

    private SafetensorsWriter put(String name, DType dtype, long[] shape, Content content) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("'" + name + "' cannot name a tensor");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        long bytes = byteLength(name, dtype, shape);
        entries.put(name, new Entry(name, dtype, shape.clone(), bytes, content));
        return this;
    }

    /** Validates what the reader will check, so a written file can always be read back. */
    private static long byteLength(String name, DType dtype, long[] shape) {
        long numel = 1;
        for (long d : shape) {
            if (d < 0 || d > SafetensorsFile.MAX_ELEMENTS || (d != 0 && numel > SafetensorsFile.MAX_ELEMENTS / d)) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " is negative or has more than " + SafetensorsFile.MAX_ELEMENTS + " elements");
            }
            numel *= d;
        }
        long bytes = numel * dtype.byteSize();
        if (bytes > SafetensorsFile.MAX_TENSOR_BYTES) {
            throw new IllegalArgumentException("tensor '" + name + "' would be " + bytes + " bytes, above 2 GiB");
        }
        return bytes;
    }

    private static void checkCount(String name, DType dtype, long[] shape, int count) {
        long numel = byteLength(name, dtype, shape) / dtype.byteSize();
        if (numel != count) {
            throw new IllegalArgumentException("tensor '" + name + "': " + count + " values given for shape "
                    + Arrays.toString(shape) + " (" + numel + " elements)");
        }
    }

    /** The header bytes, padded, without the length prefix. */
    byte[] header() {
        StringBuilder sb = new StringBuilder("{");
        long offset = 0;
        for (Entry e : entries.values()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            appendJsonString(sb, e.name);
            sb.append(":{\"dtype\":\"").append(e.dtype.name()).append("\",\"shape\":[");
            for (int i = 0; i < e.shape.length; i++) {
                sb.append(i == 0 ? "" : ",").append(e.shape[i]);
            }
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.byteLength).append("]}");
            offset += e.byteLength;
        }
        if (!metadata.isEmpty()) {
            sb.append(sb.length() > 1 ? "," : "").append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                sb.append(first ? "" : ",");
                appendJsonString(sb, m.getKey());
                sb.append(':');
                appendJsonString(sb, m.getValue());
                first = false;
            }
            sb.append('}');
        }
        sb.append('}');
        while (sb.length() % 8 != 0) { // 8-byte alignment of the data area (the prefix is 8 bytes)
            sb.append(' ');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** JSON string with Python's ensure_ascii escaping: the header is pure ASCII. */
    private static void appendJsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c >= 0x20 && c <= 0x7E) {
                        sb.append(c);
                    } else {
                        sb.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Writes the file; it appears under {@code file} only when complete. */
    public void write(Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] header = header();
                ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, prefix);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Entry e : entries.values()) {
                    BoundedChannel out = new BoundedChannel(ch, file, e);
                    e.content.writeTo(out);
                    if (out.written != e.byteLength) {
                        throw new WeightFileException(file, e.name, "its content wrote " + out.written
                                + " bytes, but " + e.dtype + Arrays.toString(e.shape) + " needs " + e.byteLength);
                    }
                }
                ch.force(false);
            }
            try {
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
    }

    private static void writeFloats(WritableByteChannel out, DType dtype, float[] values) throws IOException {
        ByteBuffer chunk = chunkBuffer();
        int per = CHUNK_BYTES / dtype.byteSize();
        for (int done = 0; done < values.length; ) {
            int k = Math.min(per, values.length - done);
            chunk.clear();
            switch (dtype) {
                case F32 -> chunk.asFloatBuffer().put(values, done, k);
                case BF16 -> {
                    for (int i = 0; i < k; i++) {
                        chunk.putShort(2 * i, Half.floatToBf16(values[done + i]));
                    }
                }
                case F16 -> {
                    for (int i = 0; i < k; i++) {
                        chunk.putShort(2 * i, Half.floatToF16(values[done + i]));
                    }
                }
                default -> throw new AssertionError(dtype);
            }
            chunk.limit(k * dtype.byteSize());
            writeFully(out, chunk);
            done += k;
        }
    }

    private static ByteBuffer chunkBuffer() {
        return ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** Passes writes through, refusing any byte past the tensor's declared length. */
    private static final class BoundedChannel implements WritableByteChannel {
        private final WritableByteChannel target;
        private final Path file;
        private final Entry entry;
        long written;

        BoundedChannel(WritableByteChannel target, Path file, Entry entry) {
            this.target = target;
            this.file = file;
            this.entry = entry;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (written + src.remaining() > entry.byteLength) {
                throw new WeightFileException(file, entry.name, "its content wrote more than the "
                        + entry.byteLength + " bytes " + entry.dtype + Arrays.toString(entry.shape) + " needs");
            }
            int n = target.write(src);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() {
            // the file channel belongs to the writer
        }
    }
}
