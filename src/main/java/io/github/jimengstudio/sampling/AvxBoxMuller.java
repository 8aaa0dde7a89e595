package io.github.jimengstudio.sampling;

/**
 * torch's AVX2 Box–Muller block ({@code normal_fill_16_AVX2}) evaluated one lane at a time, bit for bit.
 *
 * <p>torch computes log, sin and cos with the single-precision Cephes polynomials of {@code avx_mathfun.h}, and
 * its x86-64 build lets the compiler fuse some of their multiply-adds. Which ones were fused decides the last bit,
 * so every step below is one float operation or one {@link Math#fma(float, float, float)} at exactly the places
 * the shipped kernel fuses (golden/README.md §3.3). Do not "simplify" the arithmetic: reassociating, fusing or
 * unfusing any step changes about 0.1–1 % of the samples by an ulp, and then seeds no longer match torch.
 */
final class AvxBoxMuller {
    private AvxBoxMuller() {}

    private static final float TWO_PI = (float) (2.0 * Math.PI); // 0x40C90FDB

    // log256_ps
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float LOG_P0 = 7.0376836292E-2f;
    private static final float LOG_P1 = -1.1514610310E-1f;
    private static final float LOG_P2 = 1.1676998740E-1f;
    private static final float LOG_P3 = -1.2420140846E-1f;
    private static final float LOG_P4 = 1.4249322787E-1f;
    private static final float LOG_P5 = -1.6668057665E-1f;
    private static final float LOG_P6 = 2.0000714765E-1f;
    private static final float LOG_P7 = -2.4999993993E-1f;
    private static final float LOG_P8 = 3.3333331174E-1f;
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    // sincos256_ps
    private static final float FOPI = 1.27323954473516f; // 4/pi
    private static final float MINUS_DP1 = -0.78515625f;
    private static final float MINUS_DP2 = -2.4187564849853515625e-4f;
    private static final float MINUS_DP3 = -3.77489497744594108e-8f;
    private static final float SINCOF_P0 = -1.9515295891E-4f;
    private static final float SINCOF_P1 = 8.3321608736E-3f;
    private static final float SINCOF_P2 = -1.6666654611E-1f;
    private static final float COSCOF_P0 = 2.443315711809948E-005f;
    private static final float COSCOF_P1 = -1.388731625493765E-003f;
    private static final float COSCOF_P2 = 4.166664568298827E-002f;

    /**
     * Turns the 16 uniforms d[i..i+15] into 16 normals in place: lane j pairs u1 = 1 − d[i+j] with u2 = d[i+8+j]
     * and writes r·cos θ to slot j and r·sin θ to slot j+8.
     */
    static void transform16(float[] d, int i) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - d[i + j];
            float u2 = d[i + 8 + j];
            float radius = sqrt(-2f * log(u1));
            float theta = TWO_PI * u2;

            // sincos256_ps for theta >= 0 (u2 is never negative, so the input sign is +).
            float x = theta;
            int q = (int) (x * FOPI);
            q = (q + 1) & ~1;
            float y = q;
            int sinSign = (q & 4) << 29;
            boolean sinPolyIsSin = (q & 2) == 0;
            int cosSign = (~(q - 2) & 4) << 29;

            x = Math.fma(y, MINUS_DP1, x);
            x = Math.fma(y, MINUS_DP2, x);
            x = Math.fma(y, MINUS_DP3, x);
            float z = x * x;

            float c = Math.fma(COSCOF_P0, z, COSCOF_P1);
            c = Math.fma(c, z, COSCOF_P2);
            c = c * z;
            c = Math.fma(c, z, -(z * 0.5f));
            c = c + 1f;

            float s = Math.fma(SINCOF_P0, z, SINCOF_P1);
            s = Math.fma(s, z, SINCOF_P2);
            s = s * z;
            s = Math.fma(s, x, x);

            // The header blends the two polynomials with and/andnot and an add of +0, which turns -0 into +0.
            float sin = (sinPolyIsSin ? s : c) + 0f;
            float cos = (sinPolyIsSin ? c : s) + 0f;
            sin = Float.intBitsToFloat(Float.floatToRawIntBits(sin) ^ sinSign);
            cos = Float.intBitsToFloat(Float.floatToRawIntBits(cos) ^ cosSign);

            // fma(n, std = 1, mean = 0) stores n + 0: a -0 (from u1 = 1, log = +0) becomes +0, as in torch.
            d[i + j] = radius * cos + 0f;
            d[i + 8 + j] = radius * sin + 0f;
        }
    }

    /** Cephes logf as log256_ps evaluates it, for u in (0, 1] (the clamp and NaN cases never arise here). */
    static float log(float u) {
        int bits = Float.floatToRawIntBits(u);
        int exponent = (bits >>> 23) - 127;
        float m = Float.intBitsToFloat((bits & ~0x7F800000) | 0x3F000000); // mantissa scaled into [0.5, 1)
        float e = (float) exponent + 1f;
        float x;
        if (m < SQRTHF) {
            e = e - 1f;
            x = (m - 1f) + m;
        } else {
            x = (m - 1f) + 0f;
        }
        float z = x * x;

        float y = Math.fma(LOG_P0, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        return Math.fma(e, LOG_Q2, x);
    }

    /** The correctly rounded float square root (what {@code vsqrtps} gives). */
    private static float sqrt(float v) {
        return (float) Math.sqrt(v);
    }
}
