package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** DiagonalGaussianDistribution: the split of the encoder's 32 channels, the logvar clamp and a sample. */
class LatentDistributionTest {

    @Test
    void theFirstSixteenChannelsAreTheMeanAndTheLogvarIsClampedToMinusThirtyTwenty() {
        float[] moments = new float[32];
        for (int c = 0; c < 16; c++) {
            moments[c] = c;
            moments[16 + c] = c - 8;
        }
        moments[16] = -45f;
        moments[31] = 25f;
        LatentDistribution d = LatentDistribution.fromMoments(moments, 1, 1);
        assertArrayEquals(Arrays.copyOf(moments, 16), d.mean());
        assertEquals(-30f, d.logvar()[0]);
        assertEquals(20f, d.logvar()[15]);
        assertEquals(-7f, d.logvar()[1]);
    }

    @Test
    void aSampleIsTheMeanPlusTheStandardDeviationTimesEps() {
        float[] mean = new float[16];
        float[] logvar = new float[16];
        float[] eps = new float[16];
        mean[3] = 1.5f;
        logvar[3] = 2f * (float) Math.log(0.5);
        eps[3] = -2f;
        float[] s = new LatentDistribution(1, 1, mean, logvar).sample(eps);
        assertEquals(0.5f, s[3], 1e-6f);
        assertEquals(0f, s[0]);
        assertThrows(IllegalArgumentException.class, () -> new LatentDistribution(1, 1, mean, logvar)
                .sample(new float[15]));
    }

    @Test
    void theScalingToTheSamplersSpaceIsTheInverseOfTheDecodersInFloat32() {
        VaeConfig flux = VaeConfig.flux();
        float[] x = {0.1159f, 1f, -2.5f};
        float[] s = LatentScaling.toSamplerSpace(x, flux);
        assertEquals(0f, s[0]);
        assertEquals((1f - 0.1159f) * 0.3611f, s[1]);
        float[] back = LatentScaling.toVaeSpace(s, flux);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], back[i], 1e-6f);
        }
    }
}
