package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The encoder's input: VaeImageProcessor's preprocessing of 8-bit RGB, and what is refused before native code. */
class EncoderInputTest {

    @Test
    void eightBitValuesMapToMinusOneToOneInFloat32AsThePipelineComputesThem() {
        // one pixel row: black, white, mid grey (128), and a colour
        byte[] rgb = {0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 128, (byte) 128, (byte) 128, 10, 20,
                (byte) 200};
        EncoderInput x = EncoderInput.fromRgb8(new RgbImage(4, 1, rgb));
        assertArrayEquals(new long[] {1, 3, 1, 4}, x.shape());
        float grey = 2f * (128 / 255f) - 1f;
        assertEquals(0.003921628f, grey, "numpy's float32 2·(128/255) − 1");
        // planar: all reds, then greens, then blues
        assertArrayEquals(new float[] {-1f, 1f, grey, 2f * (10 / 255f) - 1f, -1f, 1f, grey, 2f * (20 / 255f) - 1f,
                -1f, 1f, grey, 2f * (200 / 255f) - 1f}, x.values());
    }

    @Test
    void everyEightBitValueStaysWithinMinusOneToOneAndKeepsItsOrder() {
        byte[] rgb = new byte[3 * 256];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i / 3);
        }
        float[] v = EncoderInput.fromRgb8(new RgbImage(256, 1, rgb)).values();
        for (int u = 1; u < 256; u++) {
            assertTrue(v[u] > v[u - 1] && v[u] >= -1f && v[u] <= 1f, "value " + u);
        }
    }

    @Test
    void anImageThatIsNotRgbIsRefusedByItsChannelCount() {
        for (long channels : new long[] {1, 4}) {
            String m = assertThrows(InvalidImageException.class,
                    () -> EncoderInput.of(new float[(int) channels * 64], 1, channels, 8, 8)).getMessage();
            assertTrue(m.contains("has " + channels + " channels; the VAE encoder reads RGB (3)"), m);
        }
        assertThrows(InvalidImageException.class, () -> EncoderInput.of(new float[192], 3, 8, 8));
        assertThrows(InvalidImageException.class, () -> EncoderInput.of(new float[384], 2, 3, 8, 8));
    }

    @Test
    void aNonFiniteValueIsRefusedWithItsPlace() {
        float[] v = new float[3 * 8 * 16];
        v[8 * 16 + 2 * 16 + 5] = Float.NaN;
        String m = assertThrows(InvalidImageException.class, () -> EncoderInput.of(v, 1, 3, 8, 16)).getMessage();
        assertTrue(m.contains("NaN in channel 1 at x 5, y 2"), m);
        v[8 * 16 + 2 * 16 + 5] = Float.POSITIVE_INFINITY;
        assertThrows(InvalidImageException.class, () -> new EncoderInput(8, 16, v));
    }

    @Test
    void aValueCountThatDoesNotFitTheSizeIsRefused() {
        String m = assertThrows(InvalidImageException.class, () -> new EncoderInput(8, 8, new float[191]))
                .getMessage();
        assertTrue(m.contains("needs 192 values, got 191"), m);
    }

    @Test
    void aCropKeepsEveryChannelOfItsRectangle() {
        float[] v = new float[3 * 4 * 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        EncoderInput crop = new EncoderInput(4, 5, v).crop(1, 2, 2, 3);
        assertArrayEquals(new float[] {7, 8, 9, 12, 13, 14, 27, 28, 29, 32, 33, 34, 47, 48, 49, 52, 53, 54},
                crop.values());
    }
}
