package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The golden comparison of README-te-vae.md §3 / README-e2e.md §5: |a − b| ≤ atol + rtol·|b| element by element. */
final class Tolerance {
    private Tolerance() {}

    /** Returns the largest |a − b|, after failing if any element is outside the bound (the first one is named). */
    static double assertWithin(float[] expected, float[] actual, double atol, double rtol, String what) {
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

    /** Rows {@code [0, rows)} of a row-major {@code [*, width]} block starting at row {@code firstRow}. */
    static float[] rows(float[] data, int firstRow, int rows, int width) {
        float[] out = new float[rows * width];
        System.arraycopy(data, firstRow * width, out, 0, out.length);
        return out;
    }
}
