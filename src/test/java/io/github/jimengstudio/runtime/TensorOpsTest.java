package io.github.jimengstudio.runtime;

import static io.github.jimengstudio.runtime.Ref.assertClose;
import static io.github.jimengstudio.runtime.Ref.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every facade op against a plain-Java reference on seeded random float32 data (CPU). */
class TensorOpsTest {

    private TensorScope scope;

    @BeforeEach
    void open() {
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    // ---- creation and read-back ----

    @Test
    void createsFromValuesAndReadsBack() {
        float[] v = Ref.random(1, 24);
        Tensor t = Tensor.of(v, 2, 3, 4);
        assertArrayEquals(new long[] {2, 3, 4}, t.shape());
        assertEquals(ElementType.FLOAT32, t.type());
        assertEquals(24, t.numel());
        assertEquals(3, t.rank());
        assertEquals(4, t.dim(-1));
        assertExact(v, t.toFloatArray(), "round trip");
        long[] ids = {5, -7, 1L << 40};
        assertArrayEquals(ids, Tensor.ofLongs(ids, 3).toLongArray());
        assertArrayEquals(new long[] {1, 0, 1}, Tensor.ofBooleans(new boolean[] {true, false, true}, 3).toLongArray());
        assertEquals(ElementType.BOOLEAN, Tensor.ofBooleans(new boolean[] {true}, 1).type());
    }

    @Test
    void fillsConstantsAndRanges() {
        assertExact(new float[] {0, 0, 0, 0}, Tensor.zeros(2, 2).toFloatArray(), "zeros");
        assertExact(new float[] {1, 1, 1}, Tensor.ones(3).toFloatArray(), "ones");
        assertExact(new float[] {2.5f, 2.5f}, Tensor.full(2.5f, 2).toFloatArray(), "full");
        assertExact(new float[] {0, 0.5f, 1, 1.5f}, Tensor.arange(0, 2, 0.5f).toFloatArray(), "arange");
        assertArrayEquals(new long[] {3, 4, 5}, Tensor.arangeLong(3, 6).toLongArray());
        assertEquals(ElementType.INT64, Tensor.zeros(ElementType.INT64, 2).type());
        assertEquals(ElementType.BFLOAT16, Tensor.ones(ElementType.BFLOAT16, 2).type());
        assertExact(new float[] {1, 1}, Tensor.ones(ElementType.BFLOAT16, 2).toFloatArray(), "bf16 ones");
        assertEquals(0.75f, Tensor.full(0.75f, 1, 1).item());
    }

    @Test
    void refusesValuesThatDoNotFillTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
    }

    // ---- shape ops ----

    @Test
    void reshapesPermutesAndTransposes() {
        long[] shape = {2, 3, 4};
        float[] v = Ref.random(2, 24);
        Tensor t = Tensor.of(v, shape);
        assertArrayEquals(new long[] {6, 4}, t.reshape(-1, 4).shape());
        assertExact(v, t.reshape(4, 6).toFloatArray(), "reshape keeps order");
        int[] order = {2, 0, 1};
        Tensor p = t.permute(order);
        assertArrayEquals(new long[] {4, 2, 3}, p.shape());
        assertExact(Ref.permute(v, shape, order), p.toFloatArray(), "permute");
        assertExact(Ref.permute(v, shape, new int[] {0, 2, 1}), t.transpose(1, 2).toFloatArray(), "transpose");
        assertExact(Ref.permute(v, shape, new int[] {0, 2, 1}), t.transpose(-1, -2).contiguous().toFloatArray(),
                "contiguous of a transposed view");
        assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 5));
        assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0, 1));
    }

    @Test
    void channelsLastKeepsShapeAndValuesAndConvolutionsAgree() {
        long[] shape = {2, 3, 4, 5};
        float[] v = Ref.random(31, 120);
        Tensor t = Tensor.of(v, shape);
        Tensor cl = t.channelsLast();
        assertArrayEquals(shape, cl.shape());
        assertExact(v, cl.toFloatArray(), "values read back in NCHW order");
        Tensor w = Tensor.of(Ref.random(32, 6 * 3 * 9), 6, 3, 3, 3);
        Tensor bias = Tensor.of(Ref.random(33, 6), 6);
        float[] nchw = Functional.conv2d(t, w, bias, 1, 1).toFloatArray();
        Ref.assertClose(nchw, Functional.conv2d(cl, w.channelsLast(), bias, 1, 1).toFloatArray(), 1e-6,
                "the same convolution channel-fastest");
        assertExact(Ref.permute(v, shape, new int[] {0, 2, 3, 1}), cl.permute(0, 2, 3, 1).toFloatArray(),
                "views of it see the same elements");
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(v, 6, 4, 5).channelsLast());
    }

    @Test
    void slicesSelectsAndSplits() {
        long[] shape = {2, 5, 3};
        float[] v = Ref.random(3, 30);
        Tensor t = Tensor.of(v, shape);
        Tensor s = t.slice(1, 1, 4);
        assertArrayEquals(new long[] {2, 3, 3}, s.shape());
        float[] expect = new float[18];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 3; c++) {
                    expect[(a * 3 + b) * 3 + c] = v[(a * 5 + b + 1) * 3 + c];
                }
            }
        }
        assertExact(expect, s.toFloatArray(), "slice");
        assertExact(expect, t.narrow(-2, 1, 3).toFloatArray(), "narrow");
        Tensor sel = t.select(1, -1);
        assertArrayEquals(new long[] {2, 3}, sel.shape());
        assertExact(new float[] {v[12], v[13], v[14], v[27], v[28], v[29]}, sel.toFloatArray(), "select");
        List<Tensor> parts = t.split(1, 2, 3);
        assertArrayEquals(new long[] {2, 2, 3}, parts.get(0).shape());
        assertExact(expect, Tensor.cat(List.of(parts.get(0).slice(1, 1, 2), parts.get(1).slice(1, 0, 2)), 1)
                .toFloatArray(), "split + cat");
        List<Tensor> chunks = t.chunk(3, -1);
        assertEquals(3, chunks.size());
        float[] c1 = chunks.get(1).toFloatArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(v[i * 3 + 1], c1[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 6));
        assertThrows(IllegalArgumentException.class, () -> t.chunk(2, 1));
        assertThrows(IllegalArgumentException.class, () -> t.select(0, 2));
    }

    @Test
    void concatenatesAndStacks() {
        float[] a = Ref.random(4, 6);
        float[] b = Ref.random(5, 6);
        Tensor ta = Tensor.of(a, 2, 3);
        Tensor tb = Tensor.of(b, 2, 3);
        float[] cat0 = new float[12];
        System.arraycopy(a, 0, cat0, 0, 6);
        System.arraycopy(b, 0, cat0, 6, 6);
        assertExact(cat0, Tensor.cat(List.of(ta, tb), 0).toFloatArray(), "cat axis 0");
        float[] cat1 = {a[0], a[1], a[2], b[0], b[1], b[2], a[3], a[4], a[5], b[3], b[4], b[5]};
        Tensor c1 = Tensor.cat(List.of(ta, tb), -1);
        assertArrayEquals(new long[] {2, 6}, c1.shape());
        assertExact(cat1, c1.toFloatArray(), "cat axis -1");
        Tensor st = Tensor.stack(List.of(ta, tb), 1);
        assertArrayEquals(new long[] {2, 2, 3}, st.shape());
        float[] stack1 = {a[0], a[1], a[2], b[0], b[1], b[2], a[3], a[4], a[5], b[3], b[4], b[5]};
        assertExact(stack1, st.toFloatArray(), "stack axis 1");
    }

    @Test
    void expandsUnsqueezesAndSqueezes() {
        float[] v = {1, 2, 3};
        Tensor t = Tensor.of(v, 3);
        Tensor u = t.unsqueeze(0);
        assertArrayEquals(new long[] {1, 3}, u.shape());
        assertArrayEquals(new long[] {3, 1}, t.unsqueeze(-1).shape());
        Tensor e = u.expand(2, -1);
        assertArrayEquals(new long[] {2, 3}, e.shape());
        assertExact(new float[] {1, 2, 3, 1, 2, 3}, e.toFloatArray(), "expand");
        assertArrayEquals(new long[] {3}, u.squeeze(0).shape());
        assertThrows(IllegalArgumentException.class, () -> t.expand(2, 4));
        assertThrows(IllegalArgumentException.class, () -> e.squeeze(0));
    }

    @Test
    void gathersRows() {
        float[] table = Ref.random(6, 5 * 4);
        Tensor w = Tensor.of(table, 5, 4);
        Tensor ids = Tensor.ofLongs(new long[] {4, 0, 2, 2}, 2, 2);
        Tensor emb = w.embedding(ids);
        assertArrayEquals(new long[] {2, 2, 4}, emb.shape());
        float[] expect = new float[16];
        long[] idv = {4, 0, 2, 2};
        for (int i = 0; i < 4; i++) {
            System.arraycopy(table, (int) idv[i] * 4, expect, i * 4, 4);
        }
        assertExact(expect, emb.toFloatArray(), "embedding");
        Tensor cols = w.indexSelect(1, Tensor.ofLongs(new long[] {3, 1}, 2));
        float[] expectCols = new float[10];
        for (int r = 0; r < 5; r++) {
            expectCols[r * 2] = table[r * 4 + 3];
            expectCols[r * 2 + 1] = table[r * 4 + 1];
        }
        assertExact(expectCols, cols.toFloatArray(), "indexSelect");
        assertThrows(IllegalArgumentException.class, () -> w.embedding(w));
    }

    @Test
    void repeatsInterleaved() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor r = t.repeatInterleave(2, 0);
        assertArrayEquals(new long[] {4, 2}, r.shape());
        assertExact(new float[] {1, 2, 1, 2, 3, 4, 3, 4}, r.toFloatArray(), "repeat_interleave axis 0");
        assertExact(new float[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}, t.repeatInterleave(3, 1).toFloatArray(),
                "repeat_interleave axis 1");
    }

    // ---- arithmetic ----

    @Test
    void broadcastsBinaryOps() {
        long[] as = {2, 3, 4};
        long[][] bShapes = {{2, 3, 4}, {4}, {2, 1, 4}, {3, 1}};
        float[] a = Ref.random(7, 24);
        Tensor ta = Tensor.of(a, as);
        for (long[] bs : bShapes) {
            float[] b = Ref.uniform(8, Ref.size(bs), 0.5f, 2f);
            Tensor tb = Tensor.of(b, bs);
            double[] add = new double[24];
            double[] sub = new double[24];
            double[] mul = new double[24];
            double[] div = new double[24];
            for (int i = 0; i < 24; i++) {
                float y = b[Ref.broadcastIndex(Ref.coords(i, as), bs)];
                add[i] = a[i] + y;
                sub[i] = a[i] - y;
                mul[i] = a[i] * y;
                div[i] = a[i] / y;
            }
            String s = java.util.Arrays.toString(bs);
            assertClose(add, ta.add(tb).toFloatArray(), 1e-7, "add " + s);
            assertClose(sub, ta.sub(tb).toFloatArray(), 1e-7, "sub " + s);
            assertClose(mul, ta.mul(tb).toFloatArray(), 1e-7, "mul " + s);
            assertClose(div, ta.div(tb).toFloatArray(), 1e-7, "div " + s);
        }
    }

    @Test
    void appliesScalarConstants() {
        float[] a = Ref.uniform(9, 12, 0.1f, 3f);
        Tensor t = Tensor.of(a, 3, 4);
        assertClose(map(a, x -> x + 1.5), t.add(1.5f).toFloatArray(), 1e-7, "add scalar");
        assertClose(map(a, x -> x - 0.25), t.sub(0.25f).toFloatArray(), 1e-7, "sub scalar");
        assertClose(map(a, x -> x * -3), t.mul(-3f).toFloatArray(), 1e-7, "mul scalar");
        assertClose(map(a, x -> x / 7), t.div(7f).toFloatArray(), 1e-7, "div scalar");
        assertClose(map(a, x -> 1 - x), t.rsub(1f).toFloatArray(), 1e-7, "rsub scalar");
        assertClose(map(a, x -> Math.pow(x, 1.5)), t.pow(1.5f).toFloatArray(), 1e-6, "pow scalar");
        assertEquals(ElementType.BFLOAT16, t.to(ElementType.BFLOAT16).mul(2f).type(), "scalars keep the type");
    }

    @Test
    void appliesUnaryFunctions() {
        float[] a = Ref.uniform(10, 64, -3f, 3f);
        float[] pos = Ref.uniform(11, 64, 0.05f, 4f);
        Tensor t = Tensor.of(a, 8, 8);
        Tensor p = Tensor.of(pos, 8, 8);
        check(t, a, Tensor::neg, x -> -x, "neg");
        check(t, a, Tensor::exp, Math::exp, "exp");
        check(t, a, Tensor::tanh, Math::tanh, "tanh");
        check(t, a, Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), "sigmoid");
        check(t, a, Tensor::square, x -> x * x, "square");
        check(t, a, Tensor::abs, Math::abs, "abs");
        check(t, a, Tensor::sin, Math::sin, "sin");
        check(t, a, Tensor::cos, Math::cos, "cos");
        check(p, pos, Tensor::log, Math::log, "log");
        check(p, pos, Tensor::sqrt, Math::sqrt, "sqrt");
        check(p, pos, Tensor::rsqrt, x -> 1 / Math.sqrt(x), "rsqrt");
        check(t, a, x -> x.clamp(-1f, 0.5f), x -> Math.max(-1, Math.min(0.5, x)), "clamp");
        check(t, a, Tensor::silu, x -> x / (1 + Math.exp(-x)), "silu");
        check(t, a, Tensor::geluTanh,
                x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), "gelu tanh");
        check(t, a, Tensor::gelu, x -> 0.5 * x * (1 + erf(x / Math.sqrt(2))), "gelu erf");
    }

    @Test
    void computesSoftmaxAlongAnAxis() {
        long[] shape = {3, 5};
        float[] a = Ref.random(12, 15);
        Tensor t = Tensor.of(a, shape);
        double[] last = new double[15];
        for (int r = 0; r < 3; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 5; c++) {
                max = Math.max(max, a[r * 5 + c]);
            }
            double sum = 0;
            for (int c = 0; c < 5; c++) {
                sum += Math.exp(a[r * 5 + c] - max);
            }
            for (int c = 0; c < 5; c++) {
                last[r * 5 + c] = Math.exp(a[r * 5 + c] - max) / sum;
            }
        }
        assertClose(last, t.softmax(-1).toFloatArray(), 1e-6, "softmax -1");
        float[] tr = Ref.permute(a, shape, new int[] {1, 0});
        float[] viaAxis0 = Tensor.of(tr, 5, 3).softmax(0).transpose(0, 1).toFloatArray();
        assertClose(last, viaAxis0, 1e-6, "softmax 0");
    }

    @Test
    void multipliesBatchedMatricesWithBroadcast() {
        float[] a = Ref.random(13, 2 * 3 * 4 * 5);
        float[] b = Ref.random(14, 5 * 6);
        Tensor r = Tensor.of(a, 2, 3, 4, 5).matmul(Tensor.of(b, 5, 6));
        assertArrayEquals(new long[] {2, 3, 4, 6}, r.shape());
        double[] expect = new double[2 * 3 * 4 * 6];
        for (int batch = 0; batch < 6; batch++) {
            double[] c = Ref.matmul(a, b, 4, 5, 6, batch * 20, 0);
            System.arraycopy(c, 0, expect, batch * 24, 24);
        }
        assertClose(expect, r.toFloatArray(), 1e-6, "matmul broadcast rhs");
        // [2,1,4,5] x [3,5,6] -> [2,3,4,6]
        float[] a2 = Ref.random(15, 2 * 4 * 5);
        float[] b2 = Ref.random(16, 3 * 5 * 6);
        Tensor r2 = Tensor.of(a2, 2, 1, 4, 5).matmul(Tensor.of(b2, 3, 5, 6));
        assertArrayEquals(new long[] {2, 3, 4, 6}, r2.shape());
        double[] e2 = new double[2 * 3 * 24];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                System.arraycopy(Ref.matmul(a2, b2, 4, 5, 6, i * 20, j * 30), 0, e2, (i * 3 + j) * 24, 24);
            }
        }
        assertClose(e2, r2.toFloatArray(), 1e-6, "matmul broadcast batch");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 2)));
        assertTrue(e.getMessage().contains("[2, 3] x [4, 2]"), e.getMessage());
    }

    // ---- reductions ----

    @Test
    void reducesAlongAxes() {
        long[] shape = {2, 3, 4};
        float[] a = Ref.random(17, 24);
        Tensor t = Tensor.of(a, shape);
        double[] mean1 = new double[8];
        double[] sum1 = new double[8];
        double[] max1 = new double[8];
        double[] mean02 = new double[3];
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 4; k++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 3; j++) {
                    float x = a[(i * 3 + j) * 4 + k];
                    sum1[i * 4 + k] += x;
                    m = Math.max(m, x);
                    mean02[j] += x / 8.0;
                }
                mean1[i * 4 + k] = sum1[i * 4 + k] / 3;
                max1[i * 4 + k] = m;
            }
        }
        assertClose(mean1, t.mean(1, false).toFloatArray(), 1e-6, "mean axis 1");
        assertArrayEquals(new long[] {2, 1, 4}, t.mean(1, true).shape());
        assertClose(sum1, t.sum(-2, false).toFloatArray(), 1e-6, "sum axis 1");
        assertClose(mean02, t.mean(new int[] {0, 2}, false).toFloatArray(), 1e-6, "mean axes 0,2");
        assertArrayEquals(new long[] {1, 3, 1}, t.mean(new int[] {0, -1}, true).shape());
        assertClose(max1, t.max(1, false).toFloatArray(), 0, "max axis 1");
        float mx = Float.NEGATIVE_INFINITY;
        float mn = Float.POSITIVE_INFINITY;
        for (float x : a) {
            mx = Math.max(mx, x);
            mn = Math.min(mn, x);
        }
        assertEquals(mx, t.max().item());
        assertEquals(mn, t.min().item());
    }

    // ---- types and in-place ----

    @Test
    void convertsTypesWithRoundToNearestEven() {
        float[] a = Ref.random(18, 257);
        a[0] = 1e5f; // overflows half
        a[1] = 1.00390625f; // exactly between two bf16 values: ties to even
        Tensor t = Tensor.of(a, 257);
        float[] bf = t.to(ElementType.BFLOAT16).toFloatArray();
        float[] f16 = t.to(ElementType.FLOAT16).toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(io.github.jimengstudio.tensor.Half.bf16ToFloat(
                    io.github.jimengstudio.tensor.Half.floatToBf16(a[i])), bf[i], "bf16 of " + a[i]);
            assertEquals(io.github.jimengstudio.tensor.Half.f16ToFloat(
                    io.github.jimengstudio.tensor.Half.floatToF16(a[i])), f16[i], "f16 of " + a[i]);
        }
        assertEquals(ElementType.FLOAT32, t.to(ElementType.BFLOAT16).to(ElementType.FLOAT32).type());
        assertEquals(ElementType.INT64, Tensor.of(new float[] {2.7f}, 1).to(ElementType.INT64).type());
        assertArrayEquals(new long[] {2}, Tensor.of(new float[] {2.7f}, 1).to(ElementType.INT64).toLongArray());
    }

    @Test
    void updatesInPlace() {
        Tensor t = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor same = t.addInPlace(Tensor.of(new float[] {10, 20, 30}, 3));
        assertTrue(same == t);
        assertExact(new float[] {11, 22, 33}, t.toFloatArray(), "addInPlace");
        t.mulInPlace(Tensor.full(2f, 3)).subInPlace(Tensor.ones(3)).divInPlace(Tensor.full(3f, 1));
        assertClose(new double[] {7, 43 / 3.0, 65 / 3.0}, t.toFloatArray(), 1e-7, "chained in-place");
        Tensor d = t.duplicate();
        d.addInPlace(Tensor.ones(3));
        assertClose(new double[] {7, 43 / 3.0, 65 / 3.0}, t.toFloatArray(), 1e-7, "duplicate is a copy");
        // helper results are libtorch inference tensors; the facade copies them before the first write
        Tensor fromHelper = Tensor.of(new float[] {0, 1}, 2).silu();
        Tensor view = fromHelper.reshape(1, 2);
        view.addInPlace(Tensor.ones(2).silu());
        assertClose(new double[] {0.7310585786, 1.4621171573}, view.toFloatArray(), 1e-7, "in-place on helper view");
        assertClose(new double[] {0, 0.7310585786}, fromHelper.toFloatArray(), 1e-7, "the original is unchanged");
    }

    // ---- helpers ----

    private static void check(Tensor t, float[] a, UnaryOperator<Tensor> op, DoubleUnaryOperator ref, String what) {
        assertClose(map(a, ref), op.apply(t).toFloatArray(), 1e-6, what);
    }

    private static double[] map(float[] a, DoubleUnaryOperator f) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = f.applyAsDouble(a[i]);
        }
        return out;
    }

    /** erf by its Taylor series / continued fraction, accurate to ~1e-12 on [-3, 3]. */
    static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            double t = term / (2 * n + 1);
            sum += t;
            term *= -x * x / (n + 1);
            if (Math.abs(t) < 1e-17) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
