package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PixelsTest {

    /** I64 pixel values 0..255 as the unsigned bytes {@link Pixels#toRgb8} produces. */
    static byte[] bytes(long[] values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            assertTrue(values[i] >= 0 && values[i] <= 255);
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void decoderOutputBecomesTheReferenceFloatAndEightBitImagesExactly() throws IOException {
        try (SafetensorsFile cases = SafetensorsFile.open(Golden.file("vae-tiny/cases.safetensors"))) {
            for (int c = 0; c < 3; c++) {
                String p = "case" + c + ".pipeline.";
                long[] shape = cases.info(p + "decoded").shape();
                int batch = (int) shape[0];
                int h = (int) shape[2];
                int w = (int) shape[3];
                float[] decoded = cases.floats(p + "decoded");
                float[] imagePt = cases.floats(p + "image_pt");
                byte[] uint8 = bytes(cases.longs(p + "image_uint8"));
                int n = 3 * h * w;
                for (int b = 0; b < batch; b++) {
                    float[] hwc = Pixels.toUnitRange(decoded, b, h, w);
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            for (int ch = 0; ch < 3; ch++) {
                                assertEquals(imagePt[((b * 3 + ch) * h + y) * w + x], hwc[(y * w + x) * 3 + ch],
                                        p + " image " + b + " at " + x + "," + y);
                            }
                        }
                    }
                    byte[] expected = java.util.Arrays.copyOfRange(uint8, b * n, (b + 1) * n);
                    assertArrayEquals(expected, Pixels.toRgb8(hwc), p + " image " + b);
                }
            }
        }
    }

    @Test
    void theEndToEndFloatImagesRoundToTheirEightBitImagesExactly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Golden.file("e2e-tiny/expected"))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(4, files.size());
        for (Path f : files) {
            try (SafetensorsFile e = SafetensorsFile.open(f)) {
                assertArrayEquals(bytes(e.longs("image_uint8")), Pixels.toRgb8(e.floats("image")), f.toString());
            }
        }
    }

    @Test
    void exactHalvesRoundToEven() {
        // v * 255 in float32 equal to k + 0.5 exactly: numpy rounds those to the even neighbour.
        int checked = 0;
        for (int k = 0; k < 255; k++) {
            float target = k + 0.5f;
            float v = target / 255f;
            for (int i = 0; i < 4 && v * 255f != target; i++) {
                v = v * 255f < target ? Math.nextUp(v) : Math.nextDown(v);
            }
            if (v * 255f == target) {
                int expected = k % 2 == 0 ? k : k + 1;
                assertEquals(expected, Pixels.toRgb8(new float[] {v})[0] & 0xff, "tie at " + target);
                checked++;
            }
        }
        assertTrue(checked > 100, "found " + checked + " exact ties");
        assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128}, Pixels.toRgb8(new float[] {0f, 1f, 0.5f}));
    }

    @Test
    void valuesOutsideTheUnitRangeAreRefused() {
        for (float v : new float[] {Float.NaN, -0.01f, 1.01f, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pixels.toRgb8(new float[] {0.5f, v}));
            assertTrue(e.getMessage().startsWith("pixel value " + v + " at 1 is outside [0, 1]"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Pixels.toUnitRange(new float[3 * 4], 1, 2, 2));
    }

    @Test
    void clampingMapsTheDecoderRangeOntoTheUnitRange() {
        float[] nchw = {-3f, -1f, 0f, 1f, 5f, 0.25f, Float.MIN_VALUE, -0.5f, 0.5f, -1.0001f, 0.5f, 2f};
        float[] hwc = Pixels.toUnitRange(nchw, 0, 2, 2);
        // channel-planar in, pixel-interleaved out: pixel p channel c comes from nchw[c * 4 + p]
        assertArrayEquals(new float[] {0f, 1f, 0.75f, 0f, 0.625f, 0f, 0.5f, 0.5f, 0.75f, 1f, 0.25f, 1f}, hwc);
    }
}
