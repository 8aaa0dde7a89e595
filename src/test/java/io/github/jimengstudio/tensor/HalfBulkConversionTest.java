package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfBulkConversionTest {

    /** Every 16-bit pattern, plus a tail that is not a multiple of four values, at an odd source offset. */
    private static ByteBuffer allPatternsAtOddOffset() {
        int n = 65536 + 3;
        ByteBuffer b = ByteBuffer.allocateDirect(1 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x55);
        for (int i = 0; i < n; i++) {
            b.putShort((short) (i * 0x9E37 + 11)); // a permutation of all 65536 patterns, then 3 more
        }
        b.flip().position(1);
        return b;
    }

    @Test
    void bulkBf16WideningEqualsScalarForEveryBitPatternIntoDirectAndArray() {
        ByteBuffer src = allPatternsAtOddOffset();
        int n = src.remaining() / 2;
        ByteBuffer dst = ByteBuffer.allocateDirect(4 * n + 4).order(ByteOrder.LITTLE_ENDIAN);
        dst.position(4);
        Half.bf16ToFloat(src.duplicate(), dst);
        assertEquals(4 * n + 4, dst.position());
        float[] arr = new float[n + 2];
        ByteBuffer src2 = src.duplicate();
        Half.bf16ToFloat(src2, arr, 2);
        assertEquals(src2.limit(), src2.position());
        for (int i = 0; i < n; i++) {
            short bits = src.getShort(src.position() + 2 * i);
            int expected = Float.floatToRawIntBits(Half.bf16ToFloat(bits));
            assertEquals(expected, dst.getInt(4 + 4 * i), "direct, value " + i);
            assertEquals(expected, Float.floatToRawIntBits(arr[2 + i]), "array, value " + i);
            assertEquals((bits & 0xFFFF) << 16, expected);
        }
    }

    @Test
    void bulkF16WideningEqualsScalarForEveryBitPattern() {
        ByteBuffer src = allPatternsAtOddOffset();
        int n = src.remaining() / 2;
        ByteBuffer dst = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        Half.f16ToFloat(src.duplicate(), dst);
        float[] arr = new float[n];
        Half.f16ToFloat(src.duplicate(), arr, 0);
        for (int i = 0; i < n; i++) {
            int expected = Float.floatToRawIntBits(Half.f16ToFloat(src.getShort(src.position() + 2 * i)));
            assertEquals(expected, dst.getInt(4 * i));
            assertEquals(expected, Float.floatToRawIntBits(arr[i]));
        }
        assertEquals(1.0f, Half.f16ToFloat((short) 0x3C00));
        assertEquals(65504f, Half.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.f16ToFloat((short) 0x0001));
    }

    @Test
    void narrowingRoundsToNearestEvenAndWideningInvertsIt() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) {
                continue;
            }
            // bf16: the nearest representable value, ties to the even pattern
            short b = Half.floatToBf16(f);
            float back = Half.bf16ToFloat(b);
            float other = Half.bf16ToFloat((short) (b + (Math.abs(back) < Math.abs(f) ? 1 : -1)));
            double err = Math.abs((double) back - f);
            double errOther = Math.abs((double) other - f);
            if (!Float.isInfinite(back)) {
                assertEquals(true, err < errOther || (err == errOther && (b & 1) == 0), "bf16 of " + f);
            }
            // f16 round trip of an exactly representable value is the identity
            short h = Half.floatToF16(Half.f16ToFloat((short) r.nextInt(0x7C00)));
            assertEquals(h, Half.floatToF16(Half.f16ToFloat(h)));
        }
        assertEquals((short) 0x3F80, Half.floatToBf16(1.0f));
        assertEquals((short) 0x3F80, Half.floatToBf16(Float.intBitsToFloat(0x3F808000))); // tie, even stays
        assertEquals((short) 0x3F82, Half.floatToBf16(Float.intBitsToFloat(0x3F818000))); // tie, odd rounds up
        assertEquals((short) 0x7C00, Half.floatToF16(65520f));
        assertEquals((short) 0x7BFF, Half.floatToF16(65519f));
    }

    @Test
    void bulkWideningRefusesOddByteCountsAndShortDestinations() {
        ByteBuffer odd = ByteBuffer.allocate(5);
        assertThrows(IllegalArgumentException.class, () -> Half.bf16ToFloat(odd, ByteBuffer.allocate(16)));
        ByteBuffer four = ByteBuffer.allocate(8);
        assertThrows(IllegalArgumentException.class, () -> Half.bf16ToFloat(four, ByteBuffer.allocate(15)));
        assertThrows(IllegalArgumentException.class, () -> Half.f16ToFloat(four, new float[3], 0));
        assertThrows(IllegalArgumentException.class,
                () -> Half.bf16ToFloat(four, ByteBuffer.allocate(16).asReadOnlyBuffer()));
    }
}
