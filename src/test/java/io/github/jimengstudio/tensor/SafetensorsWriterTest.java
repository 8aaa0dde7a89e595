package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void rewritingEveryGoldenFileReproducesItByteForByte() throws Exception {
        List<Path> golden;
        try (Stream<Path> walk = Files.walk(Golden.file(""))) {
            golden = walk.filter(p -> p.toString().endsWith(".safetensors")).sorted().collect(Collectors.toList());
        }
        assertTrue(golden.contains(Golden.file("noise/randn_seed0.safetensors")));
        assertTrue(golden.contains(Golden.file("transformer-wide/diffusion_pytorch_model.safetensors"))); // BF16
        // case_b's prompt has a non-ASCII character: the header escapes it as Python does
        assertTrue(golden.contains(Golden.file("e2e-tiny/expected/case_b_p2_seed7_256x192_n3.safetensors")));
        assertTrue(golden.size() >= 39, "found only " + golden.size() + " golden files");
        for (Path original : golden) {
            Path copy = dir.resolve("copy.safetensors");
            try (SafetensorsFile src = SafetensorsFile.open(original)) {
                new SafetensorsWriter().addAll(src).metadata(src.metadata()).write(copy);
            }
            assertEquals(-1L, Files.mismatch(original, copy), "rewritten " + original + " differs");
        }
    }

    @Test
    void floatsLongsAndRawBytesRoundTripWithTheirDtypes() throws Exception {
        float[] f = {1.0f, -2.5f, 3.14159265f, 1e-30f, 65519f, Float.NEGATIVE_INFINITY};
        long[] l = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 42, 7};
        ByteBuffer raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(-0.25f).flip();
        Path file = dir.resolve("rt.safetensors");
        new SafetensorsWriter()
                .add("f32", DType.F32, new long[] {2, 3}, f)
                .add("bf16", DType.BF16, new long[] {6}, f)
                .add("f16", DType.F16, new long[] {3, 2}, f)
                .add("i64", new long[] {6}, l)
                .add("raw", DType.F32, new long[] {2}, raw)
                .add("scalar", DType.F32, new long[] {}, new float[] {7f})
                .add("empty", DType.BF16, new long[] {0, 4}, new float[0])
                .metadata("format", "pt")
                .write(file);
        try (SafetensorsFile r = SafetensorsFile.open(file)) {
            assertEquals(List.of("bf16", "empty", "f16", "f32", "i64", "raw", "scalar"), new ArrayList<>(r.names()));
            assertArrayEquals(f, r.floats("f32"));
            assertArrayEquals(new long[] {2, 3}, r.info("f32").shape());
            assertEquals(DType.BF16, r.info("bf16").dtype());
            float[] bf = r.floats("bf16");
            float[] hf = r.floats("f16");
            for (int i = 0; i < f.length; i++) {
                assertEquals(Half.bf16ToFloat(Half.floatToBf16(f[i])), bf[i]);
                assertEquals(Half.f16ToFloat(Half.floatToF16(f[i])), hf[i]);
            }
            assertEquals(3.140625f, bf[2]); // rounded to nearest even, not truncated (3.125)
            assertEquals(65504f, hf[4]); // below the 65520 tie: rounds to half's largest finite value
            assertArrayEquals(l, r.longs("i64"));
            assertArrayEquals(new float[] {0.5f, -0.25f}, r.floats("raw"));
            assertArrayEquals(new float[] {7f}, r.floats("scalar"));
            assertEquals(0, r.info("scalar").rank());
            assertEquals(0, r.floats("empty").length);
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
    }

    @Test
    void namesAreSortedByCodePointAndMetadataKeepsItsOrderAndEscapes() throws Exception {
        String astral = "w\uD83D\uDE00"; // U+1F600 sorts after U+FB01 by code point, before it by UTF-16 unit
        String ligature = "w\uFB01";
        Path file = dir.resolve("names.safetensors");
        new SafetensorsWriter()
                .add(astral, DType.F32, new long[] {1}, new float[] {1})
                .add(ligature, DType.F32, new long[] {1}, new float[] {2})
                .add("B", DType.F32, new long[] {1}, new float[] {3})
                .add("a", DType.F32, new long[] {1}, new float[] {4})
                .metadata("zeta", "caf\u00e9 \"quoted\" \\ tab\t")
                .metadata("alpha", "1")
                .write(file);
        try (SafetensorsFile r = SafetensorsFile.open(file)) {
            assertEquals(List.of("B", "a", ligature, astral), new ArrayList<>(r.names()));
            assertEquals(List.of("zeta", "alpha"), new ArrayList<>(r.metadata().keySet()));
            assertEquals("caf\u00e9 \"quoted\" \\ tab\t", r.metadata().get("zeta"));
            assertArrayEquals(new float[] {1}, r.floats(astral));
        }
        byte[] bytes = Files.readAllBytes(file);
        int headerLen = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, headerLen, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("\"w\\ufb01\""), header);
        assertTrue(header.contains("\"w\\ud83d\\ude00\""), header);
        assertTrue(header.contains("caf\\u00e9 \\\"quoted\\\" \\\\ tab\\t"), header);
    }

    @Test
    void streamedContentIsWrittenInChunksAndAWrongLengthLeavesNoFile() throws Exception {
        Path file = dir.resolve("stream.safetensors");
        int n = 300_000;
        new SafetensorsWriter().add("ramp", DType.F32, new long[] {n}, out -> {
            ByteBuffer chunk = ByteBuffer.allocate(4000).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; ) {
                chunk.clear();
                for (int k = 0; k < 1000; k++, i++) {
                    chunk.putFloat(i);
                }
                chunk.flip();
                out.write(chunk);
            }
        }).write(file);
        try (SafetensorsFile r = SafetensorsFile.open(file)) {
            float[] v = r.floats("ramp");
            assertEquals(n, v.length);
            assertEquals(123_456f, v[123_456]);
        }
        Path shortFile = dir.resolve("short.safetensors");
        SafetensorsWriter tooShort = new SafetensorsWriter().add("t", DType.F32, new long[] {4},
                out -> out.write(ByteBuffer.allocate(12)));
        WeightFileException e = assertThrows(WeightFileException.class, () -> tooShort.write(shortFile));
        assertTrue(e.getMessage().contains(shortFile.toString()) && e.getMessage().contains("'t'")
                && e.getMessage().contains("wrote 12 bytes"), e.getMessage());
        SafetensorsWriter tooLong = new SafetensorsWriter().add("t", DType.F32, new long[] {1},
                out -> out.write(ByteBuffer.allocate(8)));
        e = assertThrows(WeightFileException.class, () -> tooLong.write(shortFile));
        assertTrue(e.getMessage().contains("more than the 4 bytes"), e.getMessage());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.collect(Collectors.toList()), "no partial file may remain");
        }
    }

    @Test
    void refusesWhatTheReaderWouldRefuse() {
        SafetensorsWriter w = new SafetensorsWriter().add("a", DType.F32, new long[] {2}, new float[2]);
        assertThrows(IllegalArgumentException.class, () -> w.add("a", DType.F32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("", DType.F32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("__metadata__", DType.F32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.F32, new long[] {3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.F32, new long[] {-2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.I64, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("b", DType.F32, new long[] {1 << 20, 1 << 20}, out -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("b", DType.F16, new long[] {3}, ByteBuffer.allocate(4)));
        assertFalse(w.header().length == 0);
    }
}
