package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and broken files, built byte by byte. Each must be refused on open with a {@link WeightFileException}
 * that names the file, the tensor (when the problem is one tensor's) and the problem — in-process, without any
 * native code, and without crashing or hanging the JVM.
 */
class MalformedWeightFileTest {

    @TempDir
    Path dir;

    private static byte[] lengthThen(long headerLength, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(headerLength).put(rest).array();
    }

    /** A file with this header (UTF-8) and {@code dataBytes} zero bytes of data. */
    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return lengthThen(h.length, Arrays.copyOf(h, h.length + dataBytes));
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    private static Arguments refused(String label, byte[] bytes, String tensor, String problem) {
        return Arguments.of(label, bytes, tensor, problem);
    }

    static Stream<Arguments> malformedFiles() {
        String ok = entry("ok", "F32", "[2]", 0, 8);
        byte[] utf8Broken = lengthThen(4, new byte[] {'{', (byte) 0xC3, 0x28, '}'});
        byte[] deep = ("{\"w\":{\"x\":" + "[".repeat(200_000)).getBytes(StandardCharsets.US_ASCII);
        return Stream.of(
                refused("empty file", new byte[0], null, "0 bytes, too short"),
                refused("five bytes", new byte[] {1, 2, 3, 4, 5}, null, "too short"),
                refused("header length 2^62", lengthThen(1L << 62, new byte[16]), null, "outside 2..100000000"),
                refused("header length negative", lengthThen(-1, new byte[16]), null, "18446744073709551615"),
                refused("header length 100 MB + 1", lengthThen(100_000_001, new byte[16]), null, "outside"),
                refused("header length past end", lengthThen(1000, "{}".getBytes()), null, "truncated"),
                refused("header length 1", lengthThen(1, "{}".getBytes()), null, "outside 2.."),
                refused("header length 0", lengthThen(0, "{}".getBytes()), null, "outside 2.."),
                refused("invalid UTF-8", utf8Broken, null, "not valid UTF-8"),
                refused("not JSON", file("hello world", 0), null, "not valid JSON"),
                refused("JSON array", file("[1,2]", 0), null, "not a JSON object"),
                refused("JSON string", file("\"ab\"", 0), null, "not a JSON object"),
                refused("trailing garbage", file("{" + ok + "} x", 8), null, "trailing content"),
                refused("second object", file("{" + ok + "}{}", 8), null, "trailing content"),
                refused("JSON cut short", file("{\"w\":{\"dtype\":\"F32\"", 0), null, "not valid JSON"),
                refused("nesting 200k deep", lengthThen(deep.length, deep), null, "nests JSON deeper than 64 levels"),
                refused("missing dtype", file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "w",
                        "lacks dtype"),
                refused("missing shape", file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "w",
                        "lacks shape"),
                refused("missing offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "w",
                        "lacks data_offsets"),
                refused("dtype not a string", file("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                        "w", "dtype is not a string"),
                refused("entry not an object", file("{\"w\":5}", 0), "w", "not an object"),
                refused("begin > end", file("{" + entry("w", "F32", "[0]", 8, 4) + "}", 8), "w", "begin 8 > end 4"),
                refused("negative offset", file("{" + entry("w", "F32", "[1]", -4, 0) + "}", 8), "w",
                        "negative data offset"),
                refused("end past data area", file("{" + entry("w", "F32", "[4]", 0, 16) + "}", 8), "w",
                        "runs past the end of the data area (8 bytes)"),
                refused("three offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
                        8), "w", "data_offsets has 3 values"),
                refused("offset beyond long", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                        + "\"data_offsets\":[0,99999999999999999999]}}", 8), "w", "not a whole number in range"),
                refused("fractional dim", file("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", 8), "w",
                        "'1.5', not a whole number"),
                refused("length != shape x dtype", file("{" + entry("w", "F32", "[3]", 0, 8) + "}", 8), "w",
                        "byte length 8 does not match shape [3] x F32 (12 bytes)"),
                refused("negative dim", file("{" + entry("w", "F32", "[-2]", 0, 8) + "}", 8), "w",
                        "negative dimension -2"),
                refused("2^32 elements", file("{" + entry("w", "BF16", "[65536,65536]", 0, 8) + "}", 8), "w",
                        "more than 2147483647 elements"),
                refused("dim above int", file("{" + entry("w", "F32", "[0,3000000000]", 0, 0) + "}", 8), "w",
                        "dimension 3000000000"),
                refused("overlapping ranges", file("{" + entry("a", "F32", "[2]", 0, 8) + ","
                        + entry("b", "F32", "[2]", 4, 12) + "}", 12), "b", "overlaps tensor 'a' [0, 8)"),
                refused("duplicate name", file("{" + ok + "," + entry("ok", "F32", "[2]", 8, 16) + "}", 16), "ok",
                        "appears twice"),
                refused("empty name", file("{" + entry("", "F32", "[2]", 0, 8) + "}", 8), "",
                        "empty tensor name"),
                refused("metadata non-string", file("{\"__metadata__\":{\"alpha\":1}," + ok + "}", 8), null,
                        "__metadata__ value of 'alpha' is not a string"),
                refused("metadata not an object", file("{\"__metadata__\":[\"a\"]," + ok + "}", 8), null,
                        "__metadata__ is not an object"),
                refused("two metadata", file("{\"__metadata__\":{},\"__metadata__\":{}}", 0), null,
                        "two __metadata__"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void malformedFileIsRefusedNamingFileTensorAndProblem(String label, byte[] bytes, String tensor,
            String problem) throws Exception {
        Path file = dir.resolve(label.replaceAll("[^A-Za-z0-9]+", "_") + ".safetensors");
        Files.write(file, bytes);
        WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(WeightFileException.class, () -> SafetensorsFile.open(file).close()));
        assertNamed(e, file, tensor, problem);
    }

    private static void assertNamed(WeightFileException e, Path file, String tensor, String problem) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), "file not named first: " + m);
        if (tensor != null) {
            assertTrue(m.contains("tensor '" + tensor + "'"), "tensor not named: " + m);
        } else {
            assertFalse(m.contains("tensor '"), "no tensor should be named: " + m);
        }
        assertTrue(m.contains(problem), "problem '" + problem + "' not stated: " + m);
        assertFalse(m.contains("setLenient"), "gson's advice leaked into: " + m);
        assertTrue(m.length() < 400, "message too long to read: " + m.length() + " chars");
    }

    @ParameterizedTest
    @ValueSource(strings = {"F8_E4M3", "F8_E5M2", "BOOL", "U8", "I8", "I16", "I32", "U16", "F64", "f32", ""})
    void unsupportedDtypeIsRefusedByName(String dtype) throws Exception {
        Path file = dir.resolve("dtype.safetensors");
        Files.write(file, file("{" + entry("w", dtype, "[8]", 0, 8) + "}", 8));
        WeightFileException e = assertThrows(WeightFileException.class, () -> SafetensorsFile.open(file));
        assertNamed(e, file, "w", "unsupported dtype '" + dtype + "'");
    }

    @Test
    void fileCutShortInItsDataIsRefusedAsTruncated() throws Exception {
        Path whole = dir.resolve("whole.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {64}, new float[64])
                .add("b", DType.F32, new long[] {64}, new float[64]).write(whole);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        WeightFileException e = assertThrows(WeightFileException.class, () -> SafetensorsFile.open(cut));
        assertNamed(e, cut, "b", "the file is truncated or corrupt");
    }

    @Test
    void fileCutShortAfterOpeningIsRefusedBeforeAnyMapping() throws Exception {
        Path file = dir.resolve("shrinks.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {1024}, new float[1024]).write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(file) - 100);
            WeightFileException e = assertThrows(WeightFileException.class, () -> f.data("a"));
            assertNamed(e, file, "a", "file shrank");
        }
    }

    // ---- sharded checkpoints ----

    private Path index(String json) throws Exception {
        Path p = dir.resolve("model.safetensors.index.json");
        Files.writeString(p, json);
        return p;
    }

    private void shard(String file, String... names) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String n : names) {
            w.add(n, DType.F32, new long[] {1}, new float[] {1});
        }
        w.write(dir.resolve(file));
    }

    private WeightFileException refusedIndex(Path idx) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(WeightFileException.class, () -> ShardedSafetensors.open(idx).close()));
    }

    @Test
    void indexPointingAtAMissingShardIsRefused() throws Exception {
        shard("a.safetensors", "x");
        Path idx = index("{\"metadata\":{},\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        assertNamed(refusedIndex(idx), idx, "y", "shard file b.safetensors, not found in " + dir);
    }

    @Test
    void indexNamingATensorAbsentFromItsShardIsRefused() throws Exception {
        shard("a.safetensors", "x");
        shard("b.safetensors", "y");
        Path idx = index("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"a.safetensors\"}}");
        assertNamed(refusedIndex(idx), idx, "y", "places it in a.safetensors, but that shard does not contain it");
    }

    @Test
    void indexThatIsNotJsonOrLacksAWeightMapIsRefused() throws Exception {
        assertNamed(refusedIndex(index("weight_map = {}")), dir.resolve("model.safetensors.index.json"), null,
                "index is not valid JSON");
        Path idx = dir.resolve("model.safetensors.index.json");
        assertNamed(refusedIndex(index("[]")), idx, null, "not a JSON object");
        assertNamed(refusedIndex(index("{\"metadata\":{}}")), idx, null, "no \"weight_map\"");
        assertNamed(refusedIndex(index("{\"weight_map\":{\"x\":1}}")), idx, "x", "not a file name");
        assertNamed(refusedIndex(index("{\"weight_map\":{\"x\":\"a\",\"x\":\"a\"}}")), idx, "x", "listed twice");
        assertNamed(refusedIndex(index("{\"weight_map\":{}} }")), idx, null, "trailing content");
        Files.write(idx, new byte[] {'{', (byte) 0xFF, '}'});
        assertNamed(refusedIndex(idx), idx, null, "not valid UTF-8");
    }

    @Test
    void indexShardOutsideItsFolderIsRefused() throws Exception {
        Path idx = index("{\"weight_map\":{\"x\":\"../elsewhere.safetensors\"}}");
        assertNamed(refusedIndex(idx), idx, "x", "not a plain file name");
    }

    @Test
    void malformedShardIsRefusedNamingTheShard() throws Exception {
        Path bad = dir.resolve("a.safetensors");
        Files.write(bad, file("{" + entry("x", "F32", "[4]", 0, 16) + "}", 8));
        Path idx = index("{\"weight_map\":{\"x\":\"a.safetensors\"}}");
        assertNamed(refusedIndex(idx), bad, "x", "runs past the end of the data area");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void folderIsRefusedAsAFileAndMissingFileIsNamed() throws Exception {
        WeightFileException e = assertThrows(WeightFileException.class, () -> SafetensorsFile.open(dir));
        assertNamed(e, dir, null, "is a folder");
        Path missing = dir.resolve("nope.safetensors");
        e = assertThrows(WeightFileException.class, () -> SafetensorsFile.open(missing));
        assertNamed(e, missing, null, "file not found");
        // a valid file followed by junk beyond the last tensor is still readable: only the ranges are checked
        Path padded = dir.resolve("padded.safetensors");
        Files.write(padded, concat(file("{" + entry("w", "F32", "[1]", 0, 4) + "}", 4), new byte[3]));
        try (SafetensorsFile f = SafetensorsFile.open(padded)) {
            assertTrue(f.contains("w"));
        }
    }
}
