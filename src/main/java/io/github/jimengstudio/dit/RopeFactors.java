package io.github.jimengstudio.dit;

/**
 * RoPE factors for a batch of sequences, zero-padded to the longest: cos and sin, each [batch × length × pairs]
 * row-major (one angle per adjacent pair of the head dimension). Batch-padding rows hold zeros, as the reference's
 * {@code pad_sequence} leaves them; those rows carry zero queries and keys, so their factors never matter.
 */
public record RopeFactors(int batch, int length, int pairs, float[] cos, float[] sin) {

    public RopeFactors {
        long n = (long) batch * length * pairs;
        if (cos.length != n || sin.length != n) {
            throw new IllegalArgumentException("RoPE factors need " + n + " values each, got " + cos.length + " and "
                    + sin.length);
        }
    }
}
