package io.github.jimengstudio.lora;

/**
 * How diffusers folds a kohya {@code .alpha} into the factors
 * ({@code _convert_non_diffusers_z_image_lora_to_diffusers}): the update is {@code (alpha / rank) · up @ down}.
 * The factor starts on the down side ({@code scaleDown = alpha / rank, scaleUp = 1}), and factors of two move
 * from the up to the down side while the down factor is less than half the up factor, so that
 * {@code down' = down · scaleDown}, {@code up' = up · scaleUp} and {@code scaleDown · scaleUp = alpha / rank}.
 * For a power-of-two {@code alpha / rank} both products are exact; otherwise each factor is rounded once, as in
 * torch's float32 multiply by a Python float. Reproducing the split (not just the product) keeps the factors, and
 * so every later rounding, bit-identical to diffusers'.
 */
record AlphaFold(double scaleDown, double scaleUp) {

    static final AlphaFold NONE = new AlphaFold(1.0, 1.0);

    /** The split for a module of this rank; {@code alpha} as the file stores it (widened to double, as .item()). */
    static AlphaFold of(double alpha, int rank) {
        double down = alpha / rank;
        double up = 1.0;
        while (down * 2 < up) {
            down *= 2;
            up /= 2;
        }
        return new AlphaFold(down, up);
    }

    /** {@code values · scaleDown}, the factor rounded to float32 first (torch's scalar multiply on a float tensor). */
    float[] applyDown(float[] down) {
        return scaled(down, (float) scaleDown);
    }

    float[] applyUp(float[] up) {
        return scaled(up, (float) scaleUp);
    }

    private static float[] scaled(float[] values, float f) {
        if (f == 1f) {
            return values;
        }
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * f;
        }
        return out;
    }
}
