package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Plain-Java reference helpers for the runtime tests: seeded random data, index arithmetic, tolerant compare. */
final class Ref {
    private Ref() {}

    static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian();
        }
        return out;
    }

    static float[] uniform(long seed, int n, float lo, float hi) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + (hi - lo) * r.nextFloat();
        }
        return out;
    }

    static int size(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Row-major coordinates of flat index {@code flat}. */
    static long[] coords(long flat, long[] shape) {
        long[] c = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            c[i] = flat % shape[i];
            flat /= shape[i];
        }
        return c;
    }

    /** Flat index of a broadcast operand with {@code shape} at output coordinates {@code c}. */
    static int broadcastIndex(long[] c, long[] shape) {
        long[] st = strides(shape);
        int off = c.length - shape.length;
        long idx = 0;
        for (int i = 0; i < shape.length; i++) {
            long ci = shape[i] == 1 ? 0 : c[i + off];
            idx += ci * st[i];
        }
        return (int) idx;
    }

    static float[] permute(float[] x, long[] shape, int[] order) {
        long[] outShape = new long[shape.length];
        for (int i = 0; i < order.length; i++) {
            outShape[i] = shape[order[i]];
        }
        long[] st = strides(shape);
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            long[] c = coords(i, outShape);
            long src = 0;
            for (int k = 0; k < order.length; k++) {
                src += c[k] * st[order[k]];
            }
            out[i] = x[(int) src];
        }
        return out;
    }

    /** C[m,n] = A[m,k] B[k,n] in double. */
    static double[] matmul(float[] a, float[] b, int m, int k, int n, int aOff, int bOff) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[aOff + i * k + p] * b[bOff + p * n + j];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** Largest |actual - expected| divided by the largest |expected| (or 1 when all are tiny). */
    static double relError(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "element count");
        double maxRef = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double e = Math.abs(actual[i] - expected[i]);
            if (Double.isNaN(actual[i]) != Double.isNaN(expected[i])) {
                return Double.POSITIVE_INFINITY;
            }
            maxErr = Math.max(maxErr, e);
        }
        return maxErr / Math.max(maxRef, 1e-30);
    }

    static void assertClose(double[] expected, float[] actual, double relTol, String what) {
        double err = relError(expected, actual);
        if (!(err <= relTol)) {
            fail(what + ": relative error " + err + " exceeds " + relTol);
        }
    }

    static void assertClose(float[] expected, float[] actual, double relTol, String what) {
        assertClose(toDouble(expected), actual, relTol, what);
    }

    static void assertExact(float[] expected, float[] actual, String what) {
        assertArrayEquals(expected, actual, what);
    }
}
