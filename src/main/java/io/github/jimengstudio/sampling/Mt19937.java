package io.github.jimengstudio.sampling;

/**
 * The 32-bit Mersenne Twister exactly as torch's CPU generator runs it (ATen {@code MT19937RNGEngine.h}): seeded
 * from the low 32 bits only, the state regenerated lazily when the 624 words are used up, then tempered.
 * Unsigned 32-bit arithmetic is done on {@code int}: products wrap mod 2^32 and right shifts are {@code >>>}.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    /** Outputs left before the next regeneration, counted torch's way (1 right after seeding). */
    private int left;
    private int next;

    Mt19937(long seed) {
        state[0] = (int) seed; // torch keeps seed & 0xffffffff
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** The next raw output, as the bits of an unsigned 32-bit value. */
    int nextInt() {
        if (--left == 0) {
            regenerate();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void regenerate() {
        int[] s = state;
        int k = 0;
        for (; k < N - M; k++) {
            s[k] = s[k + M] ^ twist(s[k], s[k + 1]);
        }
        for (; k < N - 1; k++) {
            s[k] = s[k + M - N] ^ twist(s[k], s[k + 1]);
        }
        s[N - 1] = s[M - 1] ^ twist(s[N - 1], s[0]);
        left = N;
        next = 0;
    }

    private static int twist(int u, int v) {
        int mixed = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (mixed >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }
}
