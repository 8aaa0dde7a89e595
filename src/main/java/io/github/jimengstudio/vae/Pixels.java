package io.github.jimengstudio.vae;

/**
 * The decoder's output turned into pixels exactly as diffusers' {@code VaeImageProcessor.postprocess} does for
 * Z-Image: {@code clamp(x/2 + 0.5, 0, 1)} (output_type "np", HWC float32), then {@code (img * 255).round()} as
 * uint8 (output_type "pil"). Both steps are float32 arithmetic, and numpy rounds ties to even, which is what
 * {@link Math#rint} does on the float product.
 */
public final class Pixels {
    private Pixels() {}

    /**
     * Image {@code index} of a decoded batch {@code [B, 3, height, width]} (NCHW, about [-1, 1]) as interleaved
     * RGB floats in [0, 1], row-major HWC.
     */
    public static float[] toUnitRange(float[] decodedNchw, int index, int height, int width) {
        int plane = Math.multiplyExact(height, width);
        int base = Math.multiplyExact(Math.multiplyExact(index, 3), plane);
        if (index < 0 || base + 3L * plane > decodedNchw.length) {
            throw new IllegalArgumentException("image " + index + " of " + height + "x" + width
                    + " is outside a decoded batch of " + decodedNchw.length + " values");
        }
        float[] hwc = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            int from = base + c * plane;
            for (int p = 0; p < plane; p++) {
                // x * 0.5 is exact, so this is the reference's single rounding of x/2 + 0.5.
                hwc[3 * p + c] = Math.min(Math.max(decodedNchw[from + p] * 0.5f + 0.5f, 0f), 1f);
            }
        }
        return hwc;
    }

    /** Floats in [0, 1] to 8-bit values, {@code round_half_even(v * 255)} in float32; same order as the input. */
    public static byte[] toRgb8(float[] unit) {
        byte[] out = new byte[unit.length];
        for (int i = 0; i < unit.length; i++) {
            float v = unit[i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("pixel value " + v + " at " + i + " is outside [0, 1]; clamp the"
                        + " decoder output first (Pixels.toUnitRange)");
            }
            out[i] = (byte) (int) Math.rint(v * 255f);
        }
        return out;
    }
}
