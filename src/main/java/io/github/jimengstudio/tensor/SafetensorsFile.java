package io.github.jimengstudio.tensor;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped lazily per tensor. The whole header is validated on {@link #open} — before
 * any byte can reach native code — so a truncated, corrupt or hostile file is refused with a message naming the
 * file, the tensor and the problem instead of crashing the JVM later.
 *
 * <p>Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data area. The JSON maps each
 * tensor name to {dtype, shape, data_offsets [begin, end)} relative to the data area, plus an optional
 * {@code __metadata__} object of strings.
 *
 * <p>Unlike the reference library, gaps between tensors and bytes after the last one are tolerated: they cannot
 * make a read go wrong, while every range that is read is checked (inside the file, disjoint, sized exactly).
 */
public final class SafetensorsFile implements WeightSource {

    /** The reference library refuses headers above 100 MB; so do we. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** DJL addresses elements with an int (Math.toIntExact in NDManager.create). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE;
    /** One tensor is mapped as one buffer, and a Java buffer holds at most 2^31-1 bytes. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafetensorsFile open(Path path) throws IOException {
        String kind = FileKind.notOrdinary(path);
        if (FileKind.FOLDER.equals(kind)) {
            throw new WeightFileException(path, null, "is a folder, not a .safetensors file "
                    + "(WeightSources.open accepts a model component folder)");
        }
        if (kind != null && !kind.equals(FileKind.NOT_FOUND)) {
            // checked before opening: opening a FIFO would block until another program writes to it
            throw new WeightFileException(path, null, "is " + kind + "; a weight file must be an ordinary file");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightFileException(path, null, "file not found");
        } catch (IOException e) {
            throw new WeightFileException(path, null, "cannot be opened for reading: " + e, e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new WeightFileException(path, null,
                        "file is " + size + " bytes, too short to be safetensors (truncated download?)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new WeightFileException(path, null, "header length " + Long.toUnsignedString(headerLen)
                        + " is outside 2.." + MAX_HEADER_BYTES + " bytes: not a safetensors file, or corrupt");
            }
            if (8 + headerLen > size) {
                throw new WeightFileException(path, null, "header claims " + headerLen + " bytes but the file has only "
                        + (size - 8) + " after the length field (truncated download?)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8, path);
            header.flip();
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(header).toString();
            } catch (CharacterCodingException e) {
                throw new WeightFileException(path, null, "header is not valid UTF-8 (corrupt file)");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, json, dataSize, metadata);
            return new SafetensorsFile(path, ch, dataStart, tensors, Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path path) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new WeightFileException(path, null, "unexpected end of file while reading the header");
            }
            pos += n;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataSize,
            Map<String, String> metadata) throws WeightFileException {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        String shape = JsonLimits.shapeProblem(json, MAX_HEADER_BYTES);
        if (shape != null) {
            throw new WeightFileException(path, null, "header " + shape);
        }
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setLenient(false);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new WeightFileException(path, null, "header is not a JSON object");
            }
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals("__metadata__")) {
                    if (sawMetadata) {
                        throw new WeightFileException(path, null, "header has two __metadata__ entries");
                    }
                    sawMetadata = true;
                    readMetadata(path, r, metadata);
                    continue;
                }
                if (name.isEmpty()) {
                    throw new WeightFileException(path, "", "empty tensor name in the header");
                }
                if (tensors.containsKey(name)) {
                    throw new WeightFileException(path, name, "appears twice in the header");
                }
                tensors.put(name, readEntry(path, name, r, dataSize));
            }
            r.endObject();
            if (!JsonLimits.atEnd(r)) {
                throw new WeightFileException(path, null, "trailing content after the header's JSON object");
            }
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new WeightFileException(path, null, "header is not valid JSON (" + JsonLimits.problem(e) + ")");
        }
        checkNoOverlap(path, tensors);
        return Collections.unmodifiableMap(tensors);
    }

    private static void readMetadata(Path path, JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new WeightFileException(path, null, "__metadata__ is not an object of strings");
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new WeightFileException(path, null, "__metadata__ value of '" + key + "' is not a string");
            }
            metadata.put(key, r.nextString());
        }
        r.endObject();
    }

    private static TensorInfo readEntry(Path path, String name, JsonReader r, long dataSize) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new WeightFileException(path, name, "header entry is not an object");
        }
        String dtypeTag = null;
        List<Long> shape = null;
        List<Long> offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) {
                        throw new WeightFileException(path, name, "dtype is not a string");
                    }
                    dtypeTag = r.nextString();
                }
                case "shape" -> shape = readLongArray(path, name, "shape", r);
                case "data_offsets" -> offsets = readLongArray(path, name, "data_offsets", r);
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (dtypeTag == null || shape == null || offsets == null) {
            throw new WeightFileException(path, name, "header entry lacks "
                    + (dtypeTag == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeTag);
        } catch (IllegalArgumentException e) {
            throw new WeightFileException(path, name, e.getMessage());
        }
        if (offsets.size() != 2) {
            throw new WeightFileException(path, name, "data_offsets has " + offsets.size() + " values, not 2");
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (begin < 0 || end < 0) {
            throw new WeightFileException(path, name, "negative data offset [" + begin + ", " + end + ")");
        }
        if (begin > end) {
            throw new WeightFileException(path, name, "data_offsets begin " + begin + " > end " + end);
        }
        if (end > dataSize) {
            throw new WeightFileException(path, name, "data [" + begin + ", " + end + ") runs past the end of the "
                    + "data area (" + dataSize + " bytes): the file is truncated or corrupt");
        }
        long[] dims = new long[shape.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = shape.get(i);
            if (d < 0) {
                throw new WeightFileException(path, name, "negative dimension " + d + " in shape " + shape);
            }
            if (d > MAX_ELEMENTS) {
                throw new WeightFileException(path, name, "dimension " + d + " in shape " + shape + " exceeds "
                        + MAX_ELEMENTS + ", more than the engine can address");
            }
            dims[i] = d;
            if (d != 0 && numel > MAX_ELEMENTS / d) {
                throw new WeightFileException(path, name, "shape " + shape + " has more than " + MAX_ELEMENTS
                        + " elements, more than the engine can address");
            }
            numel *= d;
        }
        long expected = numel * dtype.byteSize();
        if (expected != end - begin) {
            throw new WeightFileException(path, name, "byte length " + (end - begin) + " does not match shape "
                    + shape + " x " + dtype + " (" + expected + " bytes)");
        }
        if (expected > MAX_TENSOR_BYTES) {
            throw new WeightFileException(path, name, "is " + expected + " bytes; tensors above 2 GiB are not "
                    + "supported");
        }
        return new TensorInfo(name, dtype, dims, begin, end);
    }

    private static List<Long> readLongArray(Path path, String name, String what, JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw new WeightFileException(path, name, what + " is not an array");
        }
        List<Long> out = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw new WeightFileException(path, name, what + " holds a non-number");
            }
            String s = r.nextString();
            try {
                out.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new WeightFileException(path, name, what + " holds '" + s + "', not a whole number in range");
            }
            if (out.size() > 64) {
                throw new WeightFileException(path, name, what + " has more than 64 entries");
            }
        }
        r.endArray();
        return out;
    }

    private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) throws WeightFileException {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.byteLength() == 0) {
                continue;
            }
            if (prev != null && t.begin() < prev.end()) {
                throw new WeightFileException(path, t.name(), "data [" + t.begin() + ", " + t.end()
                        + ") overlaps tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
            prev = t;
        }
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} strings, in file order (empty when absent). */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorInfo info(String name) throws WeightFileException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new WeightFileException(path, name, "not in this file");
        }
        return t;
    }

    @Override
    public ByteBuffer data(String name) throws IOException {
        TensorInfo t = info(name);
        if (t.byteLength() == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (!channel.isOpen()) {
            throw new WeightFileException(path, name, "file was closed");
        }
        // A file cut short after open would make reads through the mapping fault (SIGBUS) in native code.
        long size = channel.size();
        if (dataStart + t.end() > size) {
            throw new WeightFileException(path, name, "file shrank to " + size + " bytes since it was opened; "
                    + "the tensor ends at byte " + (dataStart + t.end()));
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String origin() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
