package io.github.jimengstudio.tensor;

/** Bit-level conversions between float32 and the 16-bit float formats (bfloat16, IEEE half). */
public final class Half {
    private Half() {}

    /** bfloat16 is the top half of a float32: the upcast is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even float32 → bfloat16, as torch does; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** IEEE 754 binary16 → float32, exact (subnormals, infinities and NaN included). */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // subnormal (or zero): mant * 2^-24, exact in float32
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float32 → IEEE binary16, round to nearest even (overflow gives infinity, as torch does). */
    public static short floatToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7FFFFFFF;
        if (abs > 0x7F800000) {
            return (short) (sign | 0x7E00);
        }
        if (abs >= 0x477FF000) { // rounds to >= 65520: infinity
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) { // below the smallest normal half: subnormal, rounded by the FPU in float math
            float a = Float.intBitsToFloat(abs);
            int m = Math.round(a * 0x1p24f); // exact product; Math.round is half-up, fix ties below
            float back = a * 0x1p24f;
            if (back - (float) Math.floor(back) == 0.5f && (m & 1) == 1) {
                m -= 1;
            }
            return (short) (sign | m);
        }
        int exp = ((abs >>> 23) - 112) << 10;
        int mant = abs & 0x7FFFFF;
        int half = exp | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
