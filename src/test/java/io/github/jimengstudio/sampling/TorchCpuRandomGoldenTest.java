package io.github.jimengstudio.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every tensor and stream in golden/noise reproduced bit for bit (golden/README.md §3). */
class TorchCpuRandomGoldenTest {

    private static SafetensorsFile noise(long seed) throws IOException {
        return SafetensorsFile.open(Golden.file("noise/randn_seed" + Long.toUnsignedString(seed) + ".safetensors"));
    }

    /** Elements whose float bits differ (so +0 vs -0 and every ulp count). */
    private static int mismatches(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                bad++;
            }
        }
        return bad;
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, 42L, 123456789L, 4294967295L})
    void randnOfEveryGoldenShapeMatchesTorchBitForBit(long seed) throws IOException {
        try (SafetensorsFile f = noise(seed)) {
            List<String> report = new ArrayList<>();
            int tensors = 0;
            int values = 0;
            int totalMismatches = 0;
            for (String name : f.names()) {
                if (!name.startsWith("randn.")) {
                    continue;
                }
                TensorInfo info = f.info(name);
                float[] expected = f.floats(name);
                float[] actual = new TorchCpuRandom(seed).randn(info.shape());
                int bad = mismatches(expected, actual);
                report.add(name + ": " + bad + " of " + expected.length + " differ");
                totalMismatches += bad;
                tensors++;
                values += expected.length;
            }
            assertEquals(6, tensors, "randn tensors in the golden file for seed " + seed);
            assertEquals(0, totalMismatches, "seed " + seed + " over " + values + " values: " + report);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, 42L, 123456789L, 4294967295L})
    void rawStreamMatchesTorchMt19937AcrossTwoRegenerations(long seed) throws IOException {
        try (SafetensorsFile f = noise(seed)) {
            long[] expected = f.longs("mt19937.u32.first1250");
            TorchCpuRandom g = new TorchCpuRandom(seed);
            long[] actual = new long[expected.length];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = g.nextUInt32();
            }
            assertArrayEquals(expected, actual);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, 42L, 123456789L, 4294967295L})
    void randMatchesTorchRandBitForBit(long seed) throws IOException {
        try (SafetensorsFile f = noise(seed)) {
            float[] expected = f.floats("rand_f32.first1250");
            assertEquals(0, mismatches(expected, new TorchCpuRandom(seed).rand(expected.length)));
        }
    }

    @Test
    void onlyTheLow32BitsOfTheSeedReachTheGenerator() throws IOException {
        try (SafetensorsFile f = noise(42L)) {
            TorchCpuRandom high = new TorchCpuRandom((1L << 32) + 42L);
            long[] stream = new long[1250];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = high.nextUInt32();
            }
            assertArrayEquals(f.longs("mt19937.u32.first1250"), stream);
            float[] latent = new TorchCpuRandom((1L << 32) + 42L).randn(1, 16, 32, 32);
            assertEquals(0, mismatches(f.floats("randn.1x16x32x32"), latent));
        }
        // 2^64 - 1, the largest unsigned seed, has the low word 2^32 - 1.
        try (SafetensorsFile f = noise(4294967295L)) {
            assertEquals(0, mismatches(f.floats("randn.1x16x32x32"), new TorchCpuRandom(-1L).randn(1, 16, 32, 32)));
        }
    }

    @Test
    void pipelineInitialLatentsAreTheSeedsNoise() throws IOException {
        try (SafetensorsFile p = SafetensorsFile.open(Golden.file("pipeline-tiny/turbo_n4_seed42.safetensors"))) {
            assertEquals(0, mismatches(p.floats("init_latents"), new TorchCpuRandom(42L).randn(1, 16, 32, 32)));
        }
        try (SafetensorsFile p = SafetensorsFile.open(Golden.file("pipeline-tiny/cfg_n4_seed7_rect.safetensors"))) {
            float[] expected = p.floats("init_latents");
            assertEquals(16 * 24 * 40, expected.length);
            assertEquals(0, mismatches(expected, new TorchCpuRandom(7L).randn(1, 16, 24, 40)));
        }
    }

    @Test
    void scalarPathKeepsTheCachedSecondNormalAcrossCalls() throws IOException {
        // torch keeps r·sin θ in the generator, so three draws of 5 continue one Box–Muller sequence.
        try (SafetensorsFile f = noise(123456789L)) {
            TorchCpuRandom g = new TorchCpuRandom(123456789L);
            float[] joined = new float[15];
            for (int k = 0; k < 3; k++) {
                System.arraycopy(g.randn(5), 0, joined, 5 * k, 5);
            }
            assertEquals(0, mismatches(f.floats("randn.3x5"), joined));
        }
    }

    @Test
    void emptyAndInvalidShapes() {
        assertEquals(0, new TorchCpuRandom(1).randn(4, 0, 3).length);
        assertEquals(1, new TorchCpuRandom(1).randn().length); // a 0-dim tensor holds one value
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> new TorchCpuRandom(1).randn(0, -2));
        assertEquals("randn: shape [0, -2] has a negative dimension", neg.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> new TorchCpuRandom(1).randn(1L << 20, 1L << 20));
        org.junit.jupiter.api.Assertions.assertTrue(big.getMessage().contains("more elements"), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TorchCpuRandom(1).rand(-1));
    }
}
