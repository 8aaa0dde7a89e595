package io.github.jimengstudio.sampling;

import java.util.Arrays;

/**
 * torch's CPU random generator in Java: {@code new TorchCpuRandom(s).randn(shape)} gives exactly the float32 values
 * of {@code torch.randn(shape, generator=torch.Generator("cpu").manual_seed(s))}, so a seed makes the same image
 * here as in diffusers.
 *
 * <p>Seeds are unsigned 64-bit values held in a {@code long}; as in torch only the low 32 bits reach mt19937, so
 * {@code 2^32 + 42} draws the stream of {@code 42}. Like a {@code torch.Generator}, an instance carries state from
 * one draw to the next (including the scalar path's cached second normal); make one per request and do not share
 * it between threads. There is no global generator.
 *
 * <p>The sampling paths mirror torch 1.13 – 2.x on x86-64 (AVX2), see golden/README.md §3:
 * <ul>
 *   <li>{@link #randn} with 16 or more elements: all uniforms are drawn first, then transformed in blocks of 16
 *       by {@link AvxBoxMuller}; a ragged tail redraws 16 fresh uniforms over the last 16 slots.</li>
 *   <li>{@link #randn} with fewer than 16 elements: double-precision Box–Muller per element, the sine half cached
 *       for the next element. torch 2.x computes log1p(−u2) where 1.13 computed log(1 − u2); this port follows
 *       1.13 (the golden data). Only these tiny tensors are affected, never an image latent.</li>
 * </ul>
 */
public final class TorchCpuRandom {
    /** torch switches to the vectorised 16-lane Box–Muller from this many elements on. */
    static final int VECTOR_MIN_NUMEL = 16;

    /** The largest array the JVM reliably allocates. */
    private static final long MAX_NUMEL = Integer.MAX_VALUE - 8;
    private static final float FLOAT_UNIT = 0x1.0p-24f;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private final long seed;
    private final Mt19937 engine;
    private boolean hasCachedNormal;
    private double cachedNormal;

    /** A fresh generator, as {@code torch.Generator("cpu").manual_seed(seed)} with seed read as unsigned. */
    public TorchCpuRandom(long seed) {
        this.seed = seed;
        this.engine = new Mt19937(seed);
    }

    /** The seed this generator was made with (unsigned; print it with {@link Long#toUnsignedString(long)}). */
    public long seed() {
        return seed;
    }

    /** The next raw mt19937 output, 0 … 2^32 − 1 (torch's {@code generator.random()}). */
    public long nextUInt32() {
        return Integer.toUnsignedLong(engine.nextInt());
    }

    /** {@code torch.rand(n, generator=g)} in float32: each value is the low 24 bits of one output times 2^-24. */
    public float[] rand(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("rand: n is " + n + "; it must be 0 or more");
        }
        float[] out = new float[n];
        fillUniform(out, 0, n);
        return out;
    }

    /**
     * {@code torch.randn(shape, generator=g, dtype=torch.float32)}, flattened in row-major order.
     *
     * @throws IllegalArgumentException for a negative dimension or more elements than a Java array holds
     */
    public float[] randn(long... shape) {
        float[] out = new float[numel(shape)];
        if (out.length >= VECTOR_MIN_NUMEL) {
            fillNormalVectorised(out);
        } else {
            fillNormalScalar(out);
        }
        return out;
    }

    private void fillNormalVectorised(float[] d) {
        int n = d.length;
        fillUniform(d, 0, n);
        for (int i = 0; i + 16 <= n; i += 16) {
            AvxBoxMuller.transform16(d, i);
        }
        if (n % 16 != 0) {
            fillUniform(d, n - 16, n);
            AvxBoxMuller.transform16(d, n - 16);
        }
    }

    private void fillNormalScalar(float[] d) {
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) nextDoubleNormal();
        }
    }

    /** at::normal_distribution&lt;double&gt;: Box–Muller from two 53-bit uniforms, the sine half kept for later. */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        double r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * Math.sin(theta);
        hasCachedNormal = true;
        return r * Math.cos(theta);
    }

    private double nextDoubleUniform() {
        long hi = Integer.toUnsignedLong(engine.nextInt());
        long lo = Integer.toUnsignedLong(engine.nextInt());
        long random64 = (hi << 32) | lo;
        return (random64 & ((1L << 53) - 1)) * DOUBLE_UNIT;
    }

    private void fillUniform(float[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            d[i] = (engine.nextInt() & 0xFFFFFF) * FLOAT_UNIT;
        }
    }

    private static int numel(long... shape) {
        boolean empty = false;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("randn: shape " + Arrays.toString(shape)
                        + " has a negative dimension");
            }
            empty |= dim == 0;
        }
        if (empty) {
            return 0;
        }
        long n = 1;
        for (long dim : shape) {
            if (n > MAX_NUMEL / dim) {
                throw new IllegalArgumentException("randn: shape " + Arrays.toString(shape)
                        + " has more elements than one Java array holds (" + MAX_NUMEL + ")");
            }
            n *= dim;
        }
        return (int) n;
    }
}
