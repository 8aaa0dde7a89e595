package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.Half;
import io.github.jimengstudio.tensor.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bfloat16 as the GPU path uses it: conversions are bit-exact round-to-nearest-even, and a matmul and an
 * attention computed entirely in bf16 (weights resident in bf16) stay within a stated bound of float32.
 */
class Bf16ResidencyTest {

    /**
     * Bound for a bf16 linear layer and attention relative to the largest float32 output: inputs, weights and
     * the output are each rounded to 8 significant bits (relative error up to 2^-9 each); accumulation is in
     * float32. Three roundings of up to 2^-9 give about 0.6 % on the largest element; we allow 2^-6 (1.6 %).
     */
    static final double BF16_BOUND = 1.0 / 64;

    @TempDir
    Path dir;
    private TensorScope scope;

    @BeforeEach
    void open() {
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    @Test
    void roundTripEqualsJavaRoundToNearestEven() {
        float[] v = Ref.random(70, 4096);
        float[] specials = {0f, -0f, 1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-40f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            1.00390625f /* tie, rounds down to even */, 1.01171875f /* tie, rounds up to even */,
            Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x7F7FFFFF),
            Float.intBitsToFloat(0x7F7F7FFF), 65504f, 3.0e38f};
        System.arraycopy(specials, 0, v, 0, specials.length);
        for (int i = specials.length; i < 1024; i++) {
            v[i] = Float.intBitsToFloat(new java.util.Random(i).nextInt()); // arbitrary bit patterns
        }
        float[] back = Tensor.of(v, 64, 64).to(ElementType.BFLOAT16).to(ElementType.FLOAT32).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            float expected = Half.bf16ToFloat(Half.floatToBf16(v[i]));
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(back[i]), "NaN stays NaN at " + i);
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(back[i]),
                        "element " + i + " = " + v[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(v[i]))
                                + ")");
            }
        }
    }

    @Test
    void bf16LinearWithResidentWeightsMatchesFloat32WithinBound() throws Exception {
        int n = 16;
        int in = 256;
        int out = 64;
        float[] x = Ref.random(71, n * in);
        float[] w = Ref.random(72, out * in);
        float[] b = Ref.random(73, out);
        Path f = new TestSafetensors().floats("w", "F32", w, out, in).floats("b", "BF16", b, out)
                .write(dir.resolve("lin.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope weights = TensorScope.detached()) {
            WeightLoader f32 = new WeightLoader(src, weights, ElementType.FLOAT32);
            WeightLoader bf16 = new WeightLoader(src, weights, ElementType.BFLOAT16);
            Tensor tx = Tensor.of(x, n, in);
            float[] ref = Functional.linear(tx, f32.load("w", out, in), f32.load("b", out)).toFloatArray();
            Tensor y = Functional.linear(tx.to(ElementType.BFLOAT16), bf16.load("w", out, in), bf16.load("b", out));
            assertEquals(ElementType.BFLOAT16, y.type());
            double err = Ref.relError(Ref.toDouble(ref), y.toFloatArray());
            assertTrue(err <= BF16_BOUND, "bf16 linear relative error " + err);
            assertTrue(err > 0, "the bf16 path really ran in bf16");
        }
    }

    @Test
    void bf16AttentionMatchesFloat32WithinBound() {
        int heads = 4;
        int t = 64;
        int d = 32;
        float[] q = Ref.random(74, heads * t * d);
        float[] k = Ref.random(75, heads * t * d);
        float[] v = Ref.random(76, heads * t * d);
        Tensor tq = Tensor.of(q, 1, heads, t, d);
        Tensor tk = Tensor.of(k, 1, heads, t, d);
        Tensor tv = Tensor.of(v, 1, heads, t, d);
        float[] ref = Functional.attention(tq, tk, tv, true, false).toFloatArray();
        Tensor y = Functional.attention(tq.to(ElementType.BFLOAT16), tk.to(ElementType.BFLOAT16),
                tv.to(ElementType.BFLOAT16), true, false);
        assertEquals(ElementType.BFLOAT16, y.type());
        double err = Ref.relError(Ref.toDouble(ref), y.toFloatArray());
        assertTrue(err <= BF16_BOUND, "bf16 attention relative error " + err);
        assertTrue(err > 0);
    }

    @Test
    void bf16NormsComputeTheirStatisticsInFloat32() {
        int rows = 8;
        int dim = 512;
        float[] x = Ref.random(77, rows * dim);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 30 + 100; // large mean: a bf16 variance would lose it entirely
        }
        float[] w = Ref.uniform(78, dim, 0.5f, 1.5f);
        Tensor tx = Tensor.of(x, rows, dim);
        Tensor tw = Tensor.of(w, dim);
        float[] ref = Functional.rmsNorm(tx, tw, 1e-6f).toFloatArray();
        Tensor y = Functional.rmsNorm(tx.to(ElementType.BFLOAT16), tw.to(ElementType.BFLOAT16), 1e-6f);
        assertEquals(ElementType.BFLOAT16, y.type());
        double err = Ref.relError(Ref.toDouble(ref), y.toFloatArray());
        assertTrue(err <= BF16_BOUND, "bf16 rms_norm relative error " + err);
    }
}
