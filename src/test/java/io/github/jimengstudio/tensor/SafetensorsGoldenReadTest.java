package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.testing.Golden;
import org.junit.jupiter.api.Test;

class SafetensorsGoldenReadTest {

    @Test
    void readsGoldenNoiseFileWithShapesMetadataAndValues() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("noise/randn_seed0.safetensors"))) {
            assertEquals("0", f.metadata().get("seed"));
            TensorInfo info = f.info("randn.1x16x32x32");
            assertEquals(DType.F32, info.dtype());
            assertArrayEquals(new long[] {1, 16, 32, 32}, info.shape());
            float[] v = f.floats("randn.16");
            // torch.manual_seed(0); torch.randn(16) begins with these well-known values
            assertEquals(-1.1258398f, v[0], 0f);
            assertEquals(-1.1523602f, v[1], 0f);
            long[] u = f.longs("mt19937.u32.first1250");
            assertEquals(1250, u.length);
            assertEquals(2357136044L, u[0]); // first mt19937 output for seed 0
        }
    }
}
