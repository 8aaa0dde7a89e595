package io.github.jimengstudio.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.IntUnaryOperator;

/**
 * The golden comparisons of the shared READMEs (README.md §4, README-te-vae.md §3, README-e2e.md §5,
 * README-extra §4): floats within |a − b| ≤ atol + rtol·|b| element by element, and 8-bit pictures within ±1 with
 * at least 99.5 % of the values exactly equal. Each test passes its README's atol and rtol.
 */
public final class Tolerance {
    private Tolerance() {}

    /**
     * Fails naming the first element outside |a − b| ≤ atol + rtol·|b| (NaN is always outside); the difference is
     * taken in double, so it is exact. Returns the largest |a − b|.
     */
    public static double assertWithin(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (!(diff <= atol + rtol * Math.abs(expected[i]))) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (|diff| " + diff
                        + " > " + atol + " + " + rtol + "·|b|)");
            }
            worst = Math.max(worst, diff);
        }
        return worst;
    }

    /** 8-bit values (0..255 in {@code expected}): every value within ±1 and at least 99.5 % exactly equal. */
    public static void assertPixelsMatch(long[] expected, byte[] actual, String what) {
        assertPixelsMatch(expected.length, i -> (int) expected[i], actual, what);
    }

    /** As {@link #assertPixelsMatch(long[], byte[], String)}, with the expected values as unsigned bytes. */
    public static void assertPixelsMatch(byte[] expected, byte[] actual, String what) {
        assertPixelsMatch(expected.length, i -> expected[i] & 0xFF, actual, what);
    }

    private static void assertPixelsMatch(int length, IntUnaryOperator expected, byte[] actual, String what) {
        assertEquals(length, actual.length, what + ": size");
        int equal = 0;
        int offByOne = 0;
        for (int k = 0; k < length; k++) {
            int d = Math.abs((actual[k] & 0xFF) - expected.applyAsInt(k));
            if (d == 0) {
                equal++;
            } else if (d == 1) {
                offByOne++;
            }
        }
        int far = length - equal - offByOne;
        assertEquals(0, far, what + ": " + far + " values differ by more than 1");
        assertTrue(equal >= 0.995 * length, what + ": only " + equal + " of " + length + " values are equal");
    }
}
