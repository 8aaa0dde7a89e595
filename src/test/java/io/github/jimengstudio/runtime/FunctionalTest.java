package io.github.jimengstudio.runtime;

import static io.github.jimengstudio.runtime.Ref.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nn functions (DJL kernels and the TorchScript helper) against plain-Java references in double precision on
 * seeded random float32 inputs. Helper ops must agree within 1e-6 relative (to the largest reference value).
 */
class FunctionalTest {

    private static final double HELPER_TOL = 1e-6;
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
    void addLowRankInPlaceIsYPlusScaleTimesXAtBt() {
        int n = 6;
        int in = 9;
        int out = 5;
        int rank = 3;
        float[] x = Ref.random(30, n * in);
        float[] y = Ref.random(31, n * out);
        float[] a = Ref.random(32, rank * in);
        float[] b = Ref.random(33, out * rank);
        double[] ref = new double[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int r = 0; r < rank; r++) {
                    double h = 0;
                    for (int k = 0; k < in; k++) {
                        h += (double) x[i * in + k] * a[r * in + k];
                    }
                    s += h * b[o * rank + r];
                }
                ref[i * out + o] = y[i * out + o] + 0.75 * s;
            }
        }
        Tensor ty = Tensor.of(y, 2, 3, out);
        Tensor got = Functional.addLowRankInPlace(ty, Tensor.of(x, 2, 3, in), Tensor.of(a, rank, in),
                Tensor.of(b, out, rank), 0.75f);
        assertArrayEquals(new long[] {2, 3, out}, got.shape());
        assertClose(ref, got.toFloatArray(), HELPER_TOL, "addLowRankInPlace");
        assertTrue(got == ty, "y itself is updated and returned");
        assertThrows(IllegalArgumentException.class, () -> Functional.addLowRankInPlace(Tensor.of(y, n, out),
                Tensor.of(x, n, in), Tensor.of(b, out, rank), Tensor.of(a, rank, in), 1f));
        // a transposed view is first made a private contiguous copy (Tensor.writable), then updated
        float[] yTransposed = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                yTransposed[o * n + i] = y[i * out + o];
            }
        }
        Tensor view = Tensor.of(yTransposed, out, n).transpose(0, 1);
        assertClose(ref, Functional.addLowRankInPlace(view, Tensor.of(x, n, in), Tensor.of(a, rank, in),
                Tensor.of(b, out, rank), 0.75f).toFloatArray(), HELPER_TOL, "addLowRankInPlace on a transposed view");
    }

    @Test
    void linearMatchesReferenceWithAndWithoutBias() {
        int n = 5;
        int in = 7;
        int out = 3;
        float[] x = Ref.random(20, n * in);
        float[] w = Ref.random(21, out * in);
        float[] b = Ref.random(22, out);
        double[] ref = new double[n * out];
        double[] refNoBias = new double[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += (double) x[i * in + k] * w[o * in + k];
                }
                refNoBias[i * out + o] = s;
                ref[i * out + o] = s + b[o];
            }
        }
        Tensor tx = Tensor.of(x, 1, n, in);
        Tensor tw = Tensor.of(w, out, in);
        Tensor y = Functional.linear(tx, tw, Tensor.of(b, out));
        assertArrayEquals(new long[] {1, n, out}, y.shape());
        assertClose(ref, y.toFloatArray(), 1e-6, "linear + bias");
        assertClose(refNoBias, Functional.linear(tx, tw, null).toFloatArray(), 1e-6, "linear");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.linear(tx, Tensor.zeros(out, in + 1), null));
        assertTrue(e.getMessage().contains("[3, 8]"), e.getMessage());
    }

    @Test
    void conv2dMatchesReference() {
        int n = 1;
        int c = 3;
        int h = 6;
        int wd = 5;
        int o = 4;
        int k = 3;
        for (int[] sp : new int[][] {{1, 1}, {2, 0}, {2, 1}}) {
            int stride = sp[0];
            int pad = sp[1];
            float[] x = Ref.random(23, n * c * h * wd);
            float[] w = Ref.random(24, o * c * k * k);
            float[] b = Ref.random(25, o);
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (wd + 2 * pad - k) / stride + 1;
            double[] ref = new double[o * oh * ow];
            for (int oc = 0; oc < o; oc++) {
                for (int yy = 0; yy < oh; yy++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double s = b[oc];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = yy * stride - pad + ky;
                                    int ix = xx * stride - pad + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        s += (double) x[(ic * h + iy) * wd + ix] * w[((oc * c + ic) * k + ky) * k + kx];
                                    }
                                }
                            }
                        }
                        ref[(oc * oh + yy) * ow + xx] = s;
                    }
                }
            }
            Tensor y = Functional.conv2d(Tensor.of(x, n, c, h, wd), Tensor.of(w, o, c, k, k), Tensor.of(b, o),
                    stride, pad);
            assertArrayEquals(new long[] {n, o, oh, ow}, y.shape());
            assertClose(ref, y.toFloatArray(), 1e-6, "conv2d stride " + stride + " pad " + pad);
        }
        assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 2, 4, 4),
                Tensor.zeros(4, 3, 3, 3), null, 1, 1));
    }

    @Test
    void upsamplesNearestTwice() {
        float[] x = Ref.random(26, 2 * 3 * 4);
        Tensor y = Functional.upsampleNearest2x(Tensor.of(x, 1, 2, 3, 4));
        assertArrayEquals(new long[] {1, 2, 6, 8}, y.shape());
        float[] v = y.toFloatArray();
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 8; j++) {
                    assertEquals(x[(c * 3 + i / 2) * 4 + j / 2], v[(c * 6 + i) * 8 + j]);
                }
            }
        }
    }

    /** softmax(q kᵀ/√d + bias) v per (batch, head) in double; bias[i][j] = -inf blocks. */
    static double[] attentionRef(float[] q, float[] k, float[] v, int bh, int kvHeadsDiv, int tq, int tk, int d,
            double[][] bias) {
        double[] out = new double[bh * tq * d];
        double scale = 1 / Math.sqrt(d);
        for (int b = 0; b < bh; b++) {
            int kb = b / kvHeadsDiv;
            for (int i = 0; i < tq; i++) {
                double[] s = new double[tk];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tk; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += (double) q[(b * tq + i) * d + e] * k[(kb * tk + j) * d + e];
                    }
                    s[j] = dot * scale + (bias == null ? 0 : bias[i][j]);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < tk; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int e = 0; e < d; e++) {
                    double acc = 0;
                    for (int j = 0; j < tk; j++) {
                        acc += s[j] / sum * v[(kb * tk + j) * d + e];
                    }
                    out[(b * tq + i) * d + e] = acc;
                }
            }
        }
        return out;
    }

    @Test
    void attentionMatchesReference() {
        int heads = 2;
        int t = 9;
        int d = 16;
        float[] q = Ref.random(30, heads * t * d);
        float[] k = Ref.random(31, heads * t * d);
        float[] v = Ref.random(32, heads * t * d);
        Tensor tq = Tensor.of(q, 1, heads, t, d);
        Tensor tk = Tensor.of(k, 1, heads, t, d);
        Tensor tv = Tensor.of(v, 1, heads, t, d);
        assertClose(attentionRef(q, k, v, heads, 1, t, t, d, null), Functional.attention(tq, tk, tv).toFloatArray(),
                HELPER_TOL, "sdpa");
        double[][] causal = new double[t][t];
        boolean[] keep = new boolean[t * t];
        float[] additive = Ref.uniform(33, t * t, -2f, 2f);
        double[][] add = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                causal[i][j] = j <= i ? 0 : Double.NEGATIVE_INFINITY;
                keep[i * t + j] = j <= i;
                add[i][j] = additive[i * t + j];
            }
        }
        double[] causalRef = attentionRef(q, k, v, heads, 1, t, t, d, causal);
        assertClose(causalRef, Functional.attention(tq, tk, tv, true, false).toFloatArray(), HELPER_TOL,
                "sdpa causal");
        assertClose(causalRef, Functional.attention(tq, tk, tv, Tensor.ofBooleans(keep, t, t), false).toFloatArray(),
                HELPER_TOL, "sdpa boolean mask");
        assertClose(attentionRef(q, k, v, heads, 1, t, t, d, add),
                Functional.attention(tq, tk, tv, Tensor.of(additive, 1, 1, t, t), false).toFloatArray(), HELPER_TOL,
                "sdpa additive mask");
    }

    @Test
    void groupedQueryAttentionSharesKvHeads() {
        int qHeads = 4;
        int kvHeads = 2;
        int t = 5;
        int d = 8;
        float[] q = Ref.random(34, qHeads * t * d);
        float[] k = Ref.random(35, kvHeads * t * d);
        float[] v = Ref.random(36, kvHeads * t * d);
        Tensor y = Functional.attention(Tensor.of(q, 1, qHeads, t, d), Tensor.of(k, 1, kvHeads, t, d),
                Tensor.of(v, 1, kvHeads, t, d), true, true);
        double[][] causal = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                causal[i][j] = Double.NEGATIVE_INFINITY;
            }
        }
        assertClose(attentionRef(q, k, v, qHeads, qHeads / kvHeads, t, t, d, causal), y.toFloatArray(), HELPER_TOL,
                "gqa causal");
        assertThrows(IllegalArgumentException.class, () -> Functional.attention(Tensor.of(q, 1, qHeads, t, d),
                Tensor.of(k, 1, kvHeads, t, d), Tensor.of(v, 1, kvHeads, t, d), false, false));
    }

    @Test
    void rmsNormTakesABroadcastGainAndAddRmsNormAddsTheGainedBranch() {
        int items = 2;
        int rows = 3;
        int dim = 16;
        float[] x = Ref.random(50, items * rows * dim);
        float[] y = Ref.random(51, items * rows * dim);
        float[] g = Ref.random(52, items * dim); // a per-item gain [items, 1, dim]
        float eps = 1e-5f;
        double[] normed = new double[x.length];
        double[] added = new double[x.length];
        for (int b = 0; b < items; b++) {
            for (int r = 0; r < rows; r++) {
                int at = (b * rows + r) * dim;
                double ms = 0;
                for (int i = 0; i < dim; i++) {
                    ms += (double) y[at + i] * y[at + i];
                }
                double inv = 1 / Math.sqrt(ms / dim + eps);
                for (int i = 0; i < dim; i++) {
                    normed[at + i] = g[b * dim + i] * y[at + i] * inv;
                    added[at + i] = x[at + i] + normed[at + i];
                }
            }
        }
        Tensor tx = Tensor.of(x, items, rows, dim);
        Tensor ty = Tensor.of(y, items, rows, dim);
        Tensor tg = Tensor.of(g, items, 1, dim);
        assertClose(normed, Functional.rmsNorm(ty, tg, eps).toFloatArray(), HELPER_TOL, "rms_norm, broadcast gain");
        assertClose(added, Functional.addRmsNorm(tx, ty, tg, eps).toFloatArray(), HELPER_TOL, "add_rms_norm");
        assertThrows(IllegalArgumentException.class, () -> Functional.rmsNorm(ty, Tensor.zeros(3, 1, dim), eps));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.addRmsNorm(tx, ty.slice(1, 0, 2), Tensor.zeros(dim), eps));
    }

    @Test
    void rmsNormMatchesReference() {
        int rows = 6;
        int dim = 32;
        float[] x = Ref.random(40, rows * dim);
        float[] w = Ref.random(41, dim);
        float eps = 1e-6f;
        double[] ref = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int i = 0; i < dim; i++) {
                ms += (double) x[r * dim + i] * x[r * dim + i];
            }
            double inv = 1 / Math.sqrt(ms / dim + eps);
            for (int i = 0; i < dim; i++) {
                ref[r * dim + i] = w[i] * x[r * dim + i] * inv;
            }
        }
        assertClose(ref, Functional.rmsNorm(Tensor.of(x, 2, rows / 2, dim), Tensor.of(w, dim), eps).toFloatArray(),
                HELPER_TOL, "rms_norm");
        assertThrows(IllegalArgumentException.class,
                () -> Functional.rmsNorm(Tensor.of(x, rows, dim), Tensor.zeros(dim + 1), eps));
    }

    @Test
    void layerNormMatchesReference() {
        int rows = 4;
        int dim = 24;
        float[] x = Ref.random(42, rows * dim);
        float[] w = Ref.random(43, dim);
        float[] b = Ref.random(44, dim);
        float eps = 1e-5f;
        double[] plain = new double[rows * dim];
        double[] affine = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < dim; i++) {
                mean += x[r * dim + i];
            }
            mean /= dim;
            double var = 0;
            for (int i = 0; i < dim; i++) {
                var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
            }
            var /= dim;
            for (int i = 0; i < dim; i++) {
                plain[r * dim + i] = (x[r * dim + i] - mean) / Math.sqrt(var + eps);
                affine[r * dim + i] = plain[r * dim + i] * w[i] + b[i];
            }
        }
        Tensor tx = Tensor.of(x, rows, dim);
        assertClose(plain, Functional.layerNorm(tx, eps).toFloatArray(), HELPER_TOL, "layer_norm");
        assertClose(affine, Functional.layerNorm(tx, Tensor.of(w, dim), Tensor.of(b, dim), eps).toFloatArray(),
                HELPER_TOL, "layer_norm affine");
    }

    @Test
    void groupNormMatchesReference() {
        int n = 2;
        int c = 6;
        int groups = 3;
        int hw = 10;
        float[] x = Ref.random(45, n * c * hw);
        float[] w = Ref.random(46, c);
        float[] b = Ref.random(47, c);
        float eps = 1e-6f;
        double[] ref = new double[x.length];
        double[] refSilu = new double[x.length];
        int per = c / groups * hw;
        for (int s = 0; s < n; s++) {
            for (int g = 0; g < groups; g++) {
                int base = (s * c + g * (c / groups)) * hw;
                double mean = 0;
                for (int i = 0; i < per; i++) {
                    mean += x[base + i];
                }
                mean /= per;
                double var = 0;
                for (int i = 0; i < per; i++) {
                    var += (x[base + i] - mean) * (x[base + i] - mean);
                }
                var /= per;
                for (int i = 0; i < per; i++) {
                    int ch = g * (c / groups) + i / hw;
                    double y = (x[base + i] - mean) / Math.sqrt(var + eps) * w[ch] + b[ch];
                    ref[base + i] = y;
                    refSilu[base + i] = y / (1 + Math.exp(-y));
                }
            }
        }
        Tensor tx = Tensor.of(x, n, c, 2, 5);
        assertClose(ref, Functional.groupNorm(tx, groups, Tensor.of(w, c), Tensor.of(b, c), eps).toFloatArray(),
                HELPER_TOL, "group_norm");
        assertClose(refSilu, Functional.groupNormSilu(tx, groups, Tensor.of(w, c), Tensor.of(b, c), eps)
                .toFloatArray(), HELPER_TOL, "group_norm + silu");
        assertThrows(IllegalArgumentException.class,
                () -> Functional.groupNorm(tx, 4, Tensor.of(w, c), Tensor.of(b, c), eps));
    }

    @Test
    void siluMulMatchesReference() {
        float[] g = Ref.random(48, 40);
        float[] u = Ref.random(49, 40);
        double[] ref = new double[40];
        for (int i = 0; i < 40; i++) {
            ref[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        assertClose(ref, Functional.siluMul(Tensor.of(g, 4, 10), Tensor.of(u, 4, 10)).toFloatArray(), HELPER_TOL,
                "silu_mul");
    }

    @Test
    void siluMulInPlaceOverwritesTheGate() {
        float[] g = Ref.random(48, 40);
        float[] u = Ref.random(49, 40);
        double[] ref = new double[40];
        for (int i = 0; i < 40; i++) {
            ref[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        Tensor gate = Tensor.of(g, 4, 10).mul(1f); // an op's result, as a linear layer's output would be
        Tensor out = Functional.siluMulInPlace(gate, Tensor.of(u, 4, 10));
        assertSame(gate, out);
        assertClose(ref, gate.toFloatArray(), HELPER_TOL, "silu_mul_");
        Tensor helperResult = Functional.siluMul(Tensor.of(g, 4, 10), Tensor.of(u, 4, 10)); // a helper (inference) result
        assertClose(ref, Functional.siluMulInPlace(Tensor.of(g, 4, 10), Tensor.of(u, 4, 10)).toFloatArray(),
                HELPER_TOL, "silu_mul_ on a fresh tensor");
        Functional.siluMulInPlace(helperResult, Tensor.of(u, 4, 10)); // copied before the write, never refused
        assertThrows(IllegalArgumentException.class,
                () -> Functional.siluMulInPlace(Tensor.of(g, 4, 10), Tensor.of(u, 40)));
    }

    @Test
    void ropeOnAdjacentPairsMatchesComplexMultiplication() {
        int heads = 3;
        int t = 4;
        int d = 8;
        float[] x = Ref.random(50, t * heads * d);
        float[] ang = Ref.uniform(51, t * d / 2, -3f, 3f);
        float[] cos = new float[ang.length];
        float[] sin = new float[ang.length];
        for (int i = 0; i < ang.length; i++) {
            cos[i] = (float) Math.cos(ang[i]);
            sin[i] = (float) Math.sin(ang[i]);
        }
        // x: [1, t, heads, d] as in Z-Image; cos/sin: [1, t, 1, d/2]
        double[] ref = new double[x.length];
        for (int p = 0; p < t; p++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < d / 2; i++) {
                    int at = (p * heads + h) * d + 2 * i;
                    double re = x[at];
                    double im = x[at + 1];
                    double c = cos[p * d / 2 + i];
                    double s = sin[p * d / 2 + i];
                    ref[at] = re * c - im * s;
                    ref[at + 1] = re * s + im * c;
                }
            }
        }
        Tensor y = Functional.ropePairs(Tensor.of(x, 1, t, heads, d), Tensor.of(cos, 1, t, 1, d / 2),
                Tensor.of(sin, 1, t, 1, d / 2));
        assertArrayEquals(new long[] {1, t, heads, d}, y.shape());
        assertClose(ref, y.toFloatArray(), HELPER_TOL, "rope pairs");
    }

    @Test
    void ropePairsHeadsFirstIsRopePairsInTheAttentionLayout() {
        int b = 2;
        int t = 5;
        int heads = 3;
        int d = 8;
        Tensor x = Tensor.of(Ref.random(60, b * t * heads * d), b, t, heads, d);
        Tensor cos = Tensor.of(Ref.uniform(61, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(62, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor expected = Functional.ropePairs(x, cos, sin).transpose(1, 2).contiguous();
        Tensor y = Functional.ropePairsHeadsFirst(x, cos, sin);
        assertArrayEquals(new long[] {b, heads, t, d}, y.shape());
        float[] e = expected.toFloatArray();
        double[] ref = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            ref[i] = e[i];
        }
        assertClose(ref, y.toFloatArray(), HELPER_TOL, "rope pairs, heads first");
        assertThrows(IllegalArgumentException.class, () -> Functional.ropePairsHeadsFirst(x.reshape(b, t, -1), cos, sin));
    }

    @Test
    void rotaryAttentionIsQkNormRopeAndAttentionOneByOneBitForBit() {
        int b = 2;
        int t = 7;
        int heads = 3;
        int d = 8;
        Tensor q = Tensor.of(Ref.random(70, b * t * heads * d), b, t, heads, d);
        Tensor k = Tensor.of(Ref.random(71, b * t * heads * d), b, t, heads, d);
        Tensor v = Tensor.of(Ref.random(72, b * t * heads * d), b, t, heads, d);
        Tensor gq = Tensor.of(Ref.uniform(73, d, 0.5f, 1.5f), d);
        Tensor gk = Tensor.of(Ref.uniform(74, d, 0.5f, 1.5f), d);
        Tensor cos = Tensor.of(Ref.uniform(75, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(76, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        boolean[] keep = new boolean[b * t];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i % t < (i < t ? t : t - 2); // the second item's last two keys are padding
        }
        Tensor mask = Tensor.ofBooleans(keep, b, 1, 1, t);
        Tensor rq = Functional.ropePairsHeadsFirst(Functional.rmsNorm(q, gq, 1e-5f), cos, sin);
        Tensor rk = Functional.ropePairsHeadsFirst(Functional.rmsNorm(k, gk, 1e-5f), cos, sin);
        Tensor rv = v.transpose(1, 2).contiguous();
        for (Tensor m : new Tensor[] {null, mask}) {
            Tensor o = m == null ? Functional.attention(rq, rk, rv) : Functional.attention(rq, rk, rv, m, false);
            float[] expected = o.transpose(1, 2).reshape(b, t, heads * d).toFloatArray();
            Tensor got = Functional.rotaryAttention(q, k, v, gq, gk, 1e-5f, cos, sin, m);
            assertArrayEquals(new long[] {b, t, heads * d}, got.shape());
            assertArrayEquals(expected, got.toFloatArray(), "one call, same values (mask " + (m != null) + ")");
        }
        assertThrows(IllegalArgumentException.class,
                () -> Functional.rotaryAttention(q, k, v.reshape(b, t, -1), gq, gk, 1e-5f, cos, sin, null));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.rotaryAttention(q, k, v, gq, gk, 1e-5f, cos.slice(1, 0, 3), sin.slice(1, 0, 3), null));
    }

    @Test
    void rotaryAttentionWithAFloat32GainOnBfloat16InputsRoundsTheNormedValuesOnceAsTheOpsOneByOne() {
        int b = 1;
        int t = 5;
        int heads = 2;
        int d = 8;
        Tensor q = Tensor.of(Ref.random(77, b * t * heads * d), b, t, heads, d).to(ElementType.BFLOAT16);
        Tensor k = Tensor.of(Ref.random(78, b * t * heads * d), b, t, heads, d).to(ElementType.BFLOAT16);
        Tensor v = Tensor.of(Ref.random(79, b * t * heads * d), b, t, heads, d).to(ElementType.BFLOAT16);
        Tensor gq = Tensor.of(Ref.uniform(80, d, 0.5f, 1.5f), d);
        Tensor gk = Tensor.of(Ref.uniform(81, d, 0.5f, 1.5f), d);
        Tensor cos = Tensor.of(Ref.uniform(82, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(83, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        // rmsNorm promotes to the float32 gain's type; the rotated values are rounded to bfloat16 once, for attention
        Tensor rq = Functional.ropePairsHeadsFirst(Functional.rmsNorm(q, gq, 1e-5f), cos, sin).to(ElementType.BFLOAT16);
        Tensor rk = Functional.ropePairsHeadsFirst(Functional.rmsNorm(k, gk, 1e-5f), cos, sin).to(ElementType.BFLOAT16);
        float[] expected = Functional.attention(rq, rk, v.transpose(1, 2).contiguous()).transpose(1, 2)
                .reshape(b, t, heads * d).toFloatArray();
        Tensor got = Functional.rotaryAttention(q, k, v, gq, gk, 1e-5f, cos, sin, null);
        assertEquals(ElementType.BFLOAT16, got.type());
        assertArrayEquals(expected, got.toFloatArray());
    }

    @Test
    void normsWithAGainOfAWiderTypeReturnThatTypeAsTorchDoes() {
        // the helper writes over its own temporaries only when the types allow; a float32 gain on bfloat16 data
        // promotes the result to float32 (HF Qwen3RMSNorm: weight * hidden.to(input_dtype))
        Tensor x = Tensor.of(Ref.random(120, 3 * 8), 3, 8).to(ElementType.BFLOAT16);
        Tensor g = Tensor.of(Ref.uniform(121, 8, 0.5f, 1.5f), 8);
        Tensor normed = Functional.rmsNorm(x, Tensor.ones(ElementType.BFLOAT16, 8), 1e-5f);
        Tensor y = Functional.rmsNorm(x, g, 1e-5f);
        assertEquals(ElementType.FLOAT32, y.type());
        assertArrayEquals(normed.to(ElementType.FLOAT32).mul(g).toFloatArray(), y.toFloatArray());
        Tensor residual = Tensor.of(Ref.random(122, 3 * 8), 3, 8);
        Tensor z = Functional.addRmsNorm(residual, x, g, 1e-5f);
        assertEquals(ElementType.FLOAT32, z.type());
        // addcmul rounds the product and the sum once together: equal to add(mul) within a rounding
        assertClose(residual.add(normed.to(ElementType.FLOAT32).mul(g)).toFloatArray(), z.toFloatArray(), 1e-6,
                "residual + float32 gain * bfloat16 norm");
    }

    @Test
    void sandwichBlockIsTheBlockOpByOpBitForBit() {
        int b = 2;
        int t = 7;
        int dim = 12;
        int heads = 3;
        int d = dim / heads;
        int ffn = 20;
        float eps = 1e-5f;
        Tensor x = Tensor.of(Ref.random(90, b * t * dim), b, t, dim);
        SandwichBlockWeights w = new SandwichBlockWeights(weight(91, dim, dim), weight(92, dim, dim),
                weight(93, dim, dim), weight(94, dim, dim), gain(95, d), gain(96, d), 1e-6f, gain(97, dim),
                gain(98, dim), gain(99, dim), gain(100, dim), eps, weight(101, ffn, dim), weight(102, dim, ffn),
                weight(103, ffn, dim), heads);
        Tensor modulation = Tensor.of(Ref.random(104, b * 4 * dim), b, 1, 4 * dim);
        Tensor cos = Tensor.of(Ref.uniform(105, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(106, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        boolean[] keep = new boolean[b * t];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i < t || i % t < t - 3; // the second item's last three keys are padding
        }
        Tensor mask = Tensor.ofBooleans(keep, b, 1, 1, t);
        for (ElementType type : new ElementType[] {ElementType.FLOAT32, ElementType.BFLOAT16}) {
            // bfloat16: the norms then multiply in place into bfloat16 temporaries, and round where the ops do
            Tensor xt = x.to(type);
            SandwichBlockWeights wt = type == ElementType.FLOAT32 ? w : to(w, type);
            for (Tensor mod : new Tensor[] {modulation.to(type), null}) {
                for (Tensor m : new Tensor[] {null, mask}) {
                    float[] expected = blockOpByOp(xt, wt, mod, cos, sin, m).toFloatArray();
                    Tensor got = Functional.sandwichBlock(xt, wt, mod, cos, sin, m);
                    assertArrayEquals(new long[] {b, t, dim}, got.shape());
                    assertEquals(type, got.type());
                    assertArrayEquals(expected, got.toFloatArray(), "one call, same values (" + type + ", modulated "
                            + (mod != null) + ", mask " + (m != null) + ")");
                }
            }
        }
    }

    private static SandwichBlockWeights to(SandwichBlockWeights w, ElementType type) {
        return new SandwichBlockWeights(w.toQ().to(type), w.toK().to(type), w.toV().to(type), w.toOut().to(type),
                w.normQ().to(type), w.normK().to(type), w.qkEps(), w.attentionNorm1().to(type),
                w.attentionNorm2().to(type), w.ffnNorm1().to(type), w.ffnNorm2().to(type), w.eps(), w.w1().to(type),
                w.w2().to(type), w.w3().to(type), w.heads());
    }

    @Test
    void sandwichBlockAddsLowRankUpdatesAsTheLinearsOneByOneWould() {
        int b = 1;
        int t = 6;
        int dim = 12;
        int heads = 3;
        int d = dim / heads;
        int ffn = 20;
        Tensor x = Tensor.of(Ref.random(130, b * t * dim), b, t, dim);
        SandwichBlockWeights w = new SandwichBlockWeights(weight(131, dim, dim), weight(132, dim, dim),
                weight(133, dim, dim), weight(134, dim, dim), gain(135, d), gain(136, d), 1e-6f, gain(137, dim),
                gain(138, dim), gain(139, dim), gain(140, dim), 1e-5f, weight(141, ffn, dim), weight(142, dim, ffn),
                weight(143, ffn, dim), heads);
        Tensor modulation = Tensor.of(Ref.random(144, b * 4 * dim), b, 1, 4 * dim);
        Tensor cos = Tensor.of(Ref.uniform(145, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(146, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        // two terms on to_q (two LoRAs), one on to_v, to_out, w2 and w3; none on to_k and w1
        java.util.List<java.util.List<LowRankUpdate>> updates = java.util.List.of(
                java.util.List.of(update(150, dim, dim, 3, 0.7f), update(151, dim, dim, 2, -0.4f)),
                java.util.List.of(), java.util.List.of(update(152, dim, dim, 4, 1.3f)),
                java.util.List.of(update(153, dim, dim, 2, 0.5f)), java.util.List.of(),
                java.util.List.of(update(154, dim, ffn, 3, 0.9f)), java.util.List.of(update(155, ffn, dim, 2, 1.1f)));
        float[] expected = blockOpByOp(x, w, modulation, cos, sin, null, updates).toFloatArray();
        float[] plain = blockOpByOp(x, w, modulation, cos, sin, null, null).toFloatArray();
        float[] got = Functional.sandwichBlock(x, w, modulation, cos, sin, null, updates).toFloatArray();
        assertClose(expected, got, 1e-6, "one call with low-rank updates");
        assertTrue(Ref.relError(Ref.toDouble(plain), got) > 1e-3, "the updates change the output");
        java.util.List<java.util.List<LowRankUpdate>> misfit = new java.util.ArrayList<>(updates);
        misfit.set(5, java.util.List.of(update(156, dim, dim, 3, 1f))); // w2 reads ffn features, not dim
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, w, modulation, cos, sin, null, misfit));
        assertTrue(e.getMessage().contains("does not fit linear w2 [12, 20]"), e.getMessage());
        LowRankUpdate fits = update(157, dim, dim, 2, 1f);
        for (LowRankUpdate bad : new LowRankUpdate[] {new LowRankUpdate(fits.down(), fits.up(), Float.NaN),
                new LowRankUpdate(fits.down().to(ElementType.BFLOAT16), fits.up(), 1f)}) {
            misfit.set(5, java.util.List.of());
            misfit.set(3, java.util.List.of(bad));
            assertThrows(IllegalArgumentException.class,
                    () -> Functional.sandwichBlock(x, w, modulation, cos, sin, null, misfit), bad.toString());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, w, modulation, cos, sin, null, updates.subList(0, 6)));
    }

    private static LowRankUpdate update(long seed, int out, int in, int rank, float factor) {
        return new LowRankUpdate(Tensor.of(Ref.random(seed, rank * in), rank, in).mul(0.2f),
                Tensor.of(Ref.random(seed + 1000, out * rank), out, rank).mul(0.2f), factor);
    }

    @Test
    void sandwichBlockRefusesWhatDoesNotFormABlock() {
        Tensor x = Tensor.of(Ref.random(110, 2 * 5 * 8), 2, 5, 8);
        Tensor cos = Tensor.of(Ref.random(111, 2 * 5 * 2), 2, 5, 1, 2);
        SandwichBlockWeights ok = new SandwichBlockWeights(weight(1, 8, 8), weight(2, 8, 8), weight(3, 8, 8),
                weight(4, 8, 8), gain(5, 4), gain(6, 4), 1e-6f, gain(7, 8), gain(8, 8), gain(9, 8), gain(10, 8), 1e-5f,
                weight(11, 16, 8), weight(12, 8, 16), weight(13, 16, 8), 2);
        assertEquals(3, Functional.sandwichBlock(x, ok, null, cos, cos, null).rank());
        SandwichBlockWeights badW2 = new SandwichBlockWeights(ok.toQ(), ok.toK(), ok.toV(), ok.toOut(), ok.normQ(),
                ok.normK(), 1e-6f, ok.attentionNorm1(), ok.attentionNorm2(), ok.ffnNorm1(), ok.ffnNorm2(), 1e-5f,
                ok.w1(), weight(14, 8, 15), ok.w3(), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, badW2, null, cos, cos, null));
        assertTrue(e.getMessage().contains("w2 is [8, 15], expected [8, 16]"), e.getMessage());
        SandwichBlockWeights oddHeads = new SandwichBlockWeights(ok.toQ(), ok.toK(), ok.toV(), ok.toOut(),
                ok.normQ(), ok.normK(), 1e-6f, ok.attentionNorm1(), ok.attentionNorm2(), ok.ffnNorm1(), ok.ffnNorm2(),
                1e-5f, ok.w1(), ok.w2(), ok.w3(), 3);
        assertThrows(IllegalArgumentException.class, () -> Functional.sandwichBlock(x, oddHeads, null, cos, cos, null));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x.reshape(10, 8), ok, null, cos, cos, null));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, ok, Tensor.zeros(2, 1, 24), cos, cos, null));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, ok, null, cos.slice(1, 0, 4), cos.slice(1, 0, 4), null));
        assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x.to(ElementType.BFLOAT16), ok, null, cos, cos, null));
        assertThrows(IllegalArgumentException.class, () -> Functional.sandwichBlock(x, ok, null, cos, cos,
                Tensor.ofBooleans(new boolean[6], 2, 1, 1, 3)));
    }

    /** The block as its ops called one at a time, in the order of the Z-Image block's op-by-op path. */
    private static Tensor blockOpByOp(Tensor x, SandwichBlockWeights w, Tensor modulation, Tensor cos, Tensor sin,
            Tensor mask) {
        return blockOpByOp(x, w, modulation, cos, sin, mask, null);
    }

    /** {@code updates} (to_q, to_k, to_v, to_out, w1, w2, w3) are added after each linear, or null. */
    private static Tensor blockOpByOp(Tensor x, SandwichBlockWeights w, Tensor modulation, Tensor cos, Tensor sin,
            Tensor mask, java.util.List<java.util.List<LowRankUpdate>> updates) {
        long b = x.dim(0);
        long t = x.dim(1);
        Tensor g1 = w.attentionNorm1();
        Tensor ga = w.attentionNorm2();
        Tensor g2 = w.ffnNorm1();
        Tensor gf = w.ffnNorm2();
        if (modulation != null) {
            java.util.List<Tensor> m = modulation.chunk(4, 2);
            g1 = g1.mul(m.get(0).add(1f));
            ga = ga.mul(m.get(1).tanh());
            g2 = g2.mul(m.get(2).add(1f));
            gf = gf.mul(m.get(3).tanh());
        }
        Tensor y = Functional.rmsNorm(x, g1, w.eps());
        long d = w.toQ().dim(0) / w.heads();
        Tensor q = lin(y, w.toQ(), updates, 0).reshape(b, t, w.heads(), d);
        Tensor k = lin(y, w.toK(), updates, 1).reshape(b, t, w.heads(), d);
        Tensor v = lin(y, w.toV(), updates, 2).reshape(b, t, w.heads(), d);
        Tensor o = Functional.rotaryAttention(q, k, v, w.normQ(), w.normK(), w.qkEps(), cos, sin, mask);
        Tensor h = Functional.addRmsNorm(x, lin(o, w.toOut(), updates, 3), ga, w.eps());
        Tensor y2 = Functional.rmsNorm(h, g2, w.eps());
        Tensor hidden = Functional.siluMul(lin(y2, w.w1(), updates, 4), lin(y2, w.w3(), updates, 6));
        Tensor f = lin(hidden, w.w2(), updates, 5);
        return Functional.addRmsNorm(h, f, gf, w.eps());
    }

    private static Tensor lin(Tensor x, Tensor weight, java.util.List<java.util.List<LowRankUpdate>> updates, int j) {
        Tensor y = Functional.linear(x, weight, null);
        if (updates != null) {
            for (LowRankUpdate u : updates.get(j)) {
                y = Functional.addLowRankInPlace(y, x, u.down(), u.up(), u.factor());
            }
        }
        return y;
    }

    private static Tensor weight(long seed, int out, int in) {
        return Tensor.of(Ref.random(seed, out * in), out, in).mul(0.3f);
    }

    private static Tensor gain(long seed, int n) {
        return Tensor.of(Ref.uniform(seed, n, 0.5f, 1.5f), n);
    }

    @Test
    void ropeRotateHalfMatchesReference() {
        int heads = 2;
        int t = 5;
        int d = 8;
        float[] x = Ref.random(52, heads * t * d);
        float[] cos = Ref.uniform(53, t * d, -1f, 1f);
        float[] sin = Ref.uniform(54, t * d, -1f, 1f);
        // x: [1, heads, t, d] as in Qwen3; cos/sin: [1, 1, t, d]
        double[] ref = new double[x.length];
        for (int h = 0; h < heads; h++) {
            for (int p = 0; p < t; p++) {
                int base = (h * t + p) * d;
                for (int i = 0; i < d; i++) {
                    double rot = i < d / 2 ? -x[base + i + d / 2] : x[base + i - d / 2];
                    ref[base + i] = x[base + i] * cos[p * d + i] + rot * sin[p * d + i];
                }
            }
        }
        Tensor y = Functional.ropeHalf(Tensor.of(x, 1, heads, t, d), Tensor.of(cos, 1, 1, t, d),
                Tensor.of(sin, 1, 1, t, d));
        assertClose(ref, y.toFloatArray(), HELPER_TOL, "rope rotate-half");
    }
}
