package io.github.jimengstudio.lora;

/**
 * One low-rank update of one Linear weight, in canonical form: {@code ΔW = scale · B @ A} with
 * {@code A [rank, in]} (down) and {@code B [out, rank]} (up), row-major float32. Kohya's alpha is already folded
 * into A and B (as diffusers folds it), so {@code scale} is 1 except for PEFT files whose adapter config says
 * {@code lora_alpha != r}. At strength {@code s} the layer computes {@code W x + s · scale · B (A x)}.
 *
 * @param target canonical weight name, e.g. {@code layers.0.attention.to_q.weight}
 */
public record LoraAdapter(String target, int rank, int in, int out, float[] a, float[] b, double scale) {

    public LoraAdapter {
        if (rank < 0 || in <= 0 || out <= 0 || a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new IllegalArgumentException("LoRA adapter for " + target + ": A must be [" + rank + "," + in
                    + "] and B [" + out + "," + rank + "], got " + a.length + " and " + b.length + " values");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("LoRA adapter for " + target + ": scale " + scale + " is not finite");
        }
    }

    /**
     * {@code B @ A} in float32, each element summing its rank terms in order without FMA — the reference BLAS
     * order, so it reproduces the golden ΔW bit for bit. The scale is not applied.
     */
    public float[] product() {
        float[] d = new float[out * in];
        for (int o = 0; o < out; o++) {
            int row = o * in;
            for (int r = 0; r < rank; r++) {
                float bv = b[o * rank + r];
                int aRow = r * in;
                for (int i = 0; i < in; i++) {
                    d[row + i] += bv * a[aRow + i];
                }
            }
        }
        return d;
    }

    /** {@code ΔW = (strength · scale) · (B @ A)}, with the factor rounded to float32 once, as PEFT's merge does. */
    public float[] deltaWeight(double strength) {
        float[] d = product();
        float f = (float) (strength * scale);
        if (f != 1f) {
            for (int i = 0; i < d.length; i++) {
                d[i] *= f;
            }
        }
        return d;
    }

    /** Bytes of A and B as float32. */
    public long bytes() {
        return 4L * (a.length + b.length);
    }

    /**
     * The same update without rank terms whose column of B is entirely zero. They add exactly nothing (A and B
     * are checked finite), and a fused q/k/v update split onto q, k and v is made of them: its rank-12 block
     * diagonal becomes three rank-4 adapters, a third of the work per step.
     */
    LoraAdapter withoutZeroTerms() {
        boolean[] keep = new boolean[rank];
        int kept = 0;
        for (int r = 0; r < rank; r++) {
            for (int o = 0; o < out && !keep[r]; o++) {
                keep[r] = b[o * rank + r] != 0f;
            }
            kept += keep[r] ? 1 : 0;
        }
        if (kept == rank) {
            return this;
        }
        float[] a2 = new float[kept * in];
        float[] b2 = new float[out * kept];
        int k = 0;
        for (int r = 0; r < rank; r++) {
            if (!keep[r]) {
                continue;
            }
            System.arraycopy(a, r * in, a2, k * in, in);
            for (int o = 0; o < out; o++) {
                b2[o * kept + k] = b[o * rank + r];
            }
            k++;
        }
        return new LoraAdapter(target, kept, in, out, a2, b2, scale);
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + target + ", rank " + rank + ", " + out + "x" + in + ", scale " + scale + "]";
    }
}
