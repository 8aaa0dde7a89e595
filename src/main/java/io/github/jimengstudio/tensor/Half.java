package io.github.jimengstudio.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Bit-level conversions between float32 and the 16-bit float formats (bfloat16, IEEE half), one value at a time
 * and in bulk. The bulk forms are how BF16/F16 weights are widened while loading: they read a mapped tensor in
 * chunks and write straight into the destination, so no second copy of a weight ever sits on the heap.
 */
public final class Half {
    private Half() {}

    /** Values converted per bulk step: small enough for L1/L2, large enough to amortise the bulk copies. */
    private static final int CHUNK = 4096;

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

    /**
     * Widens little-endian bfloat16 values to little-endian float32 (the native order of every platform libtorch
     * runs on): all of {@code src}'s remaining bytes are read and written to {@code dst}, advancing both
     * positions. Runs at memory speed (docs/benchmarks.md, "Weight reading"): four values travel as one long, and
     * widening is a shift of each 16-bit lane into the top half of a 32-bit lane.
     *
     * @throws IllegalArgumentException if {@code src} holds an odd number of bytes or {@code dst} is too small
     */
    public static void bf16ToFloat(ByteBuffer src, ByteBuffer dst) {
        int n = checkedCount(src, dst);
        ByteBuffer s = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer d = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        int quads = n / 4;
        LongBuffer in = s.asLongBuffer();
        LongBuffer out = d.asLongBuffer();
        long[] packed = new long[CHUNK / 4];
        long[] wide = new long[CHUNK / 2];
        for (int done = 0; done < quads; ) {
            int k = Math.min(packed.length, quads - done);
            in.get(packed, 0, k);
            for (int i = 0; i < k; i++) {
                long v = packed[i]; // lanes b0 b1 b2 b3, b0 in the low 16 bits
                wide[2 * i] = ((v << 16) & 0xFFFF0000L) | ((v << 32) & 0xFFFF000000000000L);
                wide[2 * i + 1] = ((v >>> 16) & 0xFFFF0000L) | (v & 0xFFFF000000000000L);
            }
            out.put(wide, 0, 2 * k);
            done += k;
        }
        for (int i = quads * 4; i < n; i++) {
            d.putFloat(4 * i, bf16ToFloat(s.getShort(2 * i)));
        }
        advance(src, dst, n);
    }

    /** Widens {@code src}'s remaining little-endian bfloat16 values into {@code dst[offset..]}, advancing src. */
    public static void bf16ToFloat(ByteBuffer src, float[] dst, int offset) {
        ShortBuffer s = checkedShorts(src, dst, offset);
        short[] chunk = new short[CHUNK];
        int n = s.remaining();
        for (int done = 0; done < n; ) {
            int k = Math.min(CHUNK, n - done);
            s.get(chunk, 0, k);
            int base = offset + done;
            for (int i = 0; i < k; i++) {
                dst[base + i] = Float.intBitsToFloat(chunk[i] << 16);
            }
            done += k;
        }
        src.position(src.position() + 2 * n);
    }

    /** As {@link #bf16ToFloat(ByteBuffer, ByteBuffer)}, for IEEE half values (exact, subnormals included). */
    public static void f16ToFloat(ByteBuffer src, ByteBuffer dst) {
        int n = checkedCount(src, dst);
        ShortBuffer s = src.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer d = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        short[] halves = new short[CHUNK];
        float[] floats = new float[CHUNK];
        for (int done = 0; done < n; ) {
            int k = Math.min(CHUNK, n - done);
            s.get(halves, 0, k);
            for (int i = 0; i < k; i++) {
                floats[i] = f16ToFloat(halves[i]);
            }
            d.asFloatBuffer().put(floats, 0, k);
            d.position(d.position() + 4 * k);
            done += k;
        }
        advance(src, dst, n);
    }

    /** Widens {@code src}'s remaining little-endian IEEE half values into {@code dst[offset..]}, advancing src. */
    public static void f16ToFloat(ByteBuffer src, float[] dst, int offset) {
        ShortBuffer s = checkedShorts(src, dst, offset);
        short[] chunk = new short[CHUNK];
        int n = s.remaining();
        for (int done = 0; done < n; ) {
            int k = Math.min(CHUNK, n - done);
            s.get(chunk, 0, k);
            int base = offset + done;
            for (int i = 0; i < k; i++) {
                dst[base + i] = f16ToFloat(chunk[i]);
            }
            done += k;
        }
        src.position(src.position() + 2 * n);
    }

    private static int checkedCount(ByteBuffer src, ByteBuffer dst) {
        int bytes = src.remaining();
        if ((bytes & 1) != 0) {
            throw new IllegalArgumentException("16-bit source holds an odd number of bytes (" + bytes + ")");
        }
        int n = bytes / 2;
        if (dst.isReadOnly() || dst.remaining() < 4L * n) {
            throw new IllegalArgumentException("destination has room for " + dst.remaining() / 4 + " floats"
                    + (dst.isReadOnly() ? " and is read-only" : "") + "; " + n + " are needed");
        }
        return n;
    }

    private static ShortBuffer checkedShorts(ByteBuffer src, float[] dst, int offset) {
        int bytes = src.remaining();
        if ((bytes & 1) != 0) {
            throw new IllegalArgumentException("16-bit source holds an odd number of bytes (" + bytes + ")");
        }
        if (offset < 0 || dst.length - offset < bytes / 2) {
            throw new IllegalArgumentException("destination float[" + dst.length + "] from " + offset
                    + " has no room for " + bytes / 2 + " values");
        }
        return src.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    }

    private static void advance(ByteBuffer src, ByteBuffer dst, int n) {
        src.position(src.position() + 2 * n);
        dst.position(dst.position() + 4 * n);
    }
}
