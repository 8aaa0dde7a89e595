package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LatentPreviewTest {

    private static int expectedByte(float v) {
        return Math.round(Math.max(0f, Math.min(1f, (v + 1f) / 2f)) * 255f);
    }

    @Test
    void eachChannelContributesItsFactorRowAtItsOwnPixel() {
        int h = 4;
        int w = 5;
        float[] latent = new float[16 * h * w];
        // Pixel p = k (row-major) holds 2.0 in channel k and 0 elsewhere, for k = 0..15.
        for (int k = 0; k < 16; k++) {
            latent[k * h * w + k] = 2.0f;
        }
        PreviewImage img = LatentPreview.project(latent, h, w, 3, 8);
        assertEquals(w, img.width());
        assertEquals(h, img.height());
        assertEquals(3, img.step());
        assertEquals(8, img.steps());
        for (int k = 0; k < 16; k++) {
            for (int c = 0; c < 3; c++) {
                float v = LatentPreview.FLUX_RGB_BIAS[c] + 2.0f * LatentPreview.FLUX_RGB_FACTORS[k][c];
                assertEquals(expectedByte(v), img.rgb()[k * 3 + c] & 0xFF, "pixel " + k + " channel " + c);
            }
        }
        // Pixels 16..19 hold zeros: the bias alone, e.g. R = round((1 - 0.0329)/2 * 255) = 123.
        assertArrayEquals(new byte[] {(byte) 123, (byte) 118, (byte) 117},
                java.util.Arrays.copyOfRange(img.rgb(), 16 * 3, 17 * 3));
    }

    @Test
    void theProjectionIsLinearAndClampsToTheByteRange() {
        float[] latent = new float[16];
        java.util.Arrays.fill(latent, 100f); // far outside: R sum of factors * 100 is large
        PreviewImage big = LatentPreview.project(latent, 1, 1, 1, 1);
        float[] sums = new float[3];
        for (float[] row : LatentPreview.FLUX_RGB_FACTORS) {
            for (int c = 0; c < 3; c++) {
                sums[c] += row[c];
            }
        }
        for (int c = 0; c < 3; c++) {
            int expected = sums[c] * 100 + LatentPreview.FLUX_RGB_BIAS[c] > 1 ? 255 : 0;
            assertEquals(expected, big.rgb()[c] & 0xFF, "channel " + c);
        }
        latent[0] = Float.NaN;
        assertEquals(0, LatentPreview.project(latent, 1, 1, 1, 1).rgb()[0] & 0xFF, "NaN shows black");
    }

    @Test
    void aLatentOfTheWrongSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatentPreview.project(new float[16 * 3 * 3], 3, 4, 1, 1));
        assertEquals("preview: a 16x3x4 latent has 192 values, got 144", e.getMessage());
    }

    @Test
    void theDenoisedEstimateIsTheLatentMinusSigmaTimesVelocity() {
        float[] x0 = LatentPreview.denoisedEstimate(new float[] {1f, -2f}, new float[] {0.5f, 4f}, 0.75f);
        assertArrayEquals(new float[] {1f - 0.75f * 0.5f, -2f - 0.75f * 4f}, x0);
    }
}
