package io.github.jimengstudio.bench;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Speed of the tensor runtime on this machine, float32: libtorch's own large-GEMM rate (the ceiling), helper
 * call overhead, fused vs manual attention (dim 1024, 16 heads), and a transformer block (1024 tokens, dim 1024)
 * with a per-stage breakdown of where the time goes. Numbers go to docs/benchmarks.md.
 *
 * <pre>java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.github.jimengstudio.bench.RuntimeBench</pre>
 */
public final class RuntimeBench {

    static final int DIM = 1024;
    static final int HEADS = 16;
    static final int HEAD_DIM = DIM / HEADS;
    /** SwiGLU hidden size: 8/3 of dim rounded to a multiple of 256, as Llama-style blocks (and Z-Image) use. */
    static final int HIDDEN = 2816;
    static final int TOKENS = 1024;

    /**
     * The machines are shared and noisy, so the block and the GEMM ceiling are measured in alternating rounds and
     * the best of all rounds is kept for each: both then describe the least-disturbed moments of the same run.
     */
    static final int ROUNDS = 4;

    public static void main(String[] args) {
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        System.out.println(cpuMode() ? "Times are the computing thread's CPU time (1 intra-op thread)."
                : "Times are wall-clock (" + rt.threads() + " intra-op threads).");
        System.out.println();

        TensorScope weights = TensorScope.detached();
        Block w = makeBlock(weights);
        Tensor x = weights.adopt(random(20, 1, TOKENS, DIM));
        double gemm2k = 0;
        double gemm4k = 0;
        double separate = Double.MAX_VALUE;
        double fused = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            gemm2k = Math.max(gemm2k, gemm(2048, 3));
            gemm4k = Math.max(gemm4k, gemm(4096, 1));
            separate = Math.min(separate, bestSeconds(3, () -> forwardSeparate(w, x)));
            fused = Math.min(fused, bestSeconds(3, () -> forwardFused(w, x)));
        }
        double ceiling = Math.max(gemm2k, gemm4k);
        System.out.printf(Locale.ROOT, "GEMM float32 2048^3: %.1f GFLOP/s, 4096^3: %.1f GFLOP/s (ceiling %.1f)%n",
                gemm2k, gemm4k, ceiling);
        System.out.printf(Locale.ROOT, "GEMM bfloat16 2048^3: %.1f GFLOP/s, float16 1024^3: %.1f GFLOP/s%n%n",
                gemm(2048, 3, ElementType.BFLOAT16), gemm(1024, 1, ElementType.FLOAT16));

        helperOverhead();
        attention(1024, 5);
        attention(4096, 2);
        block(w, x, separate, fused, ceiling);
        weights.close();
    }

    // ---- GEMM ceiling ----

    static double gemm(int n, int reps) {
        return gemm(n, reps, ElementType.FLOAT32);
    }

    static double gemm(int n, int reps, ElementType type) {
        try (TensorScope s = TensorScope.open()) {
            Tensor a = random(1, n, n).to(type);
            Tensor b = random(2, n, n).to(type);
            double sec = bestSeconds(reps, () -> a.matmul(b));
            return 2.0 * n * n * n / sec / 1e9;
        }
    }

    // ---- helper overhead ----

    static void helperOverhead() {
        try (TensorScope s = TensorScope.open()) {
            Tensor tiny = random(3, 8);
            int calls = 20_000;
            double add = perCallMicros(calls, () -> tiny.add(tiny));
            double scalar = perCallMicros(calls, () -> tiny.mul(0.5f));
            double silu = perCallMicros(calls, tiny::silu);
            double sdpa;
            Tensor q = random(4, 1, 1, 4, 8);
            sdpa = perCallMicros(calls / 4, () -> Functional.attention(q, q, q));
            System.out.printf(Locale.ROOT, "Per call on tiny tensors (incl. close): DJL add %.1f us, add of a cached"
                    + " scalar %.1f us, helper silu %.1f us, helper sdpa %.1f us -> helper overhead ~%.1f us%n%n",
                    add, scalar, silu, sdpa, silu - add);
        }
    }

    static double perCallMicros(int calls, Supplier<Tensor> op) {
        for (int i = 0; i < calls / 10; i++) {
            op.get().close();
        }
        boolean cpu = cpuMode();
        long t0 = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        for (int i = 0; i < calls; i++) {
            op.get().close();
        }
        long t1 = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        return (t1 - t0) / 1e3 / calls;
    }

    // ---- attention ----

    static void attention(int tokens, int reps) {
        try (TensorScope s = TensorScope.open()) {
            Tensor q = random(5, 1, HEADS, tokens, HEAD_DIM);
            Tensor k = random(6, 1, HEADS, tokens, HEAD_DIM);
            Tensor v = random(7, 1, HEADS, tokens, HEAD_DIM);
            float scale = (float) (1 / Math.sqrt(HEAD_DIM));
            double fused = bestSeconds(reps, () -> Functional.attention(q, k, v));
            double manual = bestSeconds(reps, () -> {
                try (TensorScope m = TensorScope.open()) {
                    Tensor p = q.matmul(k.transpose(-1, -2)).mul(scale).softmax(-1);
                    return m.keep(p.matmul(v));
                }
            });
            double flop = 4.0 * HEADS * tokens * (double) tokens * HEAD_DIM;
            float[] a = Functional.attention(q, k, v).toFloatArray();
            float[] b;
            try (TensorScope m = TensorScope.open()) {
                b = q.matmul(k.transpose(-1, -2)).mul(scale).softmax(-1).matmul(v).toFloatArray();
            }
            double maxDiff = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            }
            System.out.printf(Locale.ROOT, "Attention T=%d, 16 heads x 64: fused SDPA %.1f ms (%.1f GFLOP/s),"
                    + " manual %.1f ms (%.1f GFLOP/s), fused %.1fx faster, max |diff| %.1e%n", tokens,
                    fused * 1e3, flop / fused / 1e9, manual * 1e3, flop / manual / 1e9, manual / fused, maxDiff);
        }
    }

    // ---- transformer block ----

    /** Weights of one pre-norm block with qk-norm, pair RoPE and a SwiGLU feed-forward (Z-Image's layout). */
    record Block(Tensor norm1, Tensor wq, Tensor wk, Tensor wv, Tensor wqkv, Tensor qNorm, Tensor kNorm, Tensor wo,
            Tensor norm2, Tensor w1, Tensor w3, Tensor w13, Tensor w2, Tensor cos, Tensor sin) {}

    static void block(Block w, Tensor x, double separate, double fused, double ceiling) {
        double flop = blockFlop();
        float[] a = forwardSeparate(w, x).toFloatArray();
        float[] b = forwardFused(w, x).toFloatArray();
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        System.out.printf(Locale.ROOT, "%nTransformer block T=%d D=%d (16 heads, SwiGLU %d), %.1f GFLOP:%n",
                TOKENS, DIM, HIDDEN, flop / 1e9);
        System.out.printf(Locale.ROOT, "  separate q/k/v and w1/w3 linears: %.1f ms = %.1f GFLOP/s = %.0f %% of GEMM"
                + "%n", separate * 1e3, flop / separate / 1e9, 100 * flop / separate / 1e9 / ceiling);
        System.out.printf(Locale.ROOT, "  fused qkv and w1|w3 linears:      %.1f ms = %.1f GFLOP/s = %.0f %% of GEMM"
                + " (max |diff| vs separate %.1e)%n", fused * 1e3, flop / fused / 1e9,
                100 * flop / fused / 1e9 / ceiling, maxDiff);
        breakdown(w, x, ceiling);
    }

    static double blockFlop() {
        double t = TOKENS;
        double d = DIM;
        return 2 * t * d * 3 * d // qkv
                + 4 * t * t * d // attention scores and weighted sum
                + 2 * t * d * d // output projection
                + 2 * t * d * 3 * HIDDEN; // w1, w3, w2
    }

    static Block makeBlock(TensorScope owner) {
        Tensor wq = owner.adopt(random(10, DIM, DIM).mul(0.03f));
        Tensor wk = owner.adopt(random(11, DIM, DIM).mul(0.03f));
        Tensor wv = owner.adopt(random(12, DIM, DIM).mul(0.03f));
        Tensor w1 = owner.adopt(random(13, HIDDEN, DIM).mul(0.03f));
        Tensor w3 = owner.adopt(random(14, HIDDEN, DIM).mul(0.03f));
        float[] ang = new float[TOKENS * HEAD_DIM / 2];
        for (int p = 0; p < TOKENS; p++) {
            for (int i = 0; i < HEAD_DIM / 2; i++) {
                ang[p * HEAD_DIM / 2 + i] = (float) (p * Math.pow(10000, -2.0 * i / HEAD_DIM));
            }
        }
        Tensor angles = Tensor.of(ang, 1, TOKENS, 1, HEAD_DIM / 2);
        Block b = new Block(owner.adopt(Tensor.ones(DIM)), wq, wk, wv,
                owner.adopt(Tensor.cat(List.of(wq, wk, wv), 0)),
                owner.adopt(Tensor.ones(HEAD_DIM)), owner.adopt(Tensor.ones(HEAD_DIM)),
                owner.adopt(random(15, DIM, DIM).mul(0.03f)), owner.adopt(Tensor.ones(DIM)), w1, w3,
                owner.adopt(Tensor.cat(List.of(w1, w3), 0)), owner.adopt(random(16, DIM, HIDDEN).mul(0.02f)),
                owner.adopt(angles.cos()), owner.adopt(angles.sin()));
        angles.close();
        return b;
    }

    /** x [1, T, D] -> [1, T, D]; the plain way: one linear per weight. */
    static Tensor forwardSeparate(Block w, Tensor x) {
        try (TensorScope s = TensorScope.open()) {
            Tensor h = Functional.rmsNorm(x, w.norm1(), 1e-6f);
            Tensor q = heads(Functional.linear(h, w.wq(), null));
            Tensor k = heads(Functional.linear(h, w.wk(), null));
            Tensor v = heads(Functional.linear(h, w.wv(), null));
            Tensor a = attend(w, q, k, v);
            Tensor x1 = x.add(Functional.linear(a, w.wo(), null));
            Tensor h2 = Functional.rmsNorm(x1, w.norm2(), 1e-6f);
            Tensor ff = Functional.siluMul(Functional.linear(h2, w.w1(), null), Functional.linear(h2, w.w3(), null));
            return s.keep(x1.add(Functional.linear(ff, w.w2(), null)));
        }
    }

    /** The same with q|k|v and w1|w3 each fused into one GEMM. */
    static Tensor forwardFused(Block w, Tensor x) {
        try (TensorScope s = TensorScope.open()) {
            Tensor h = Functional.rmsNorm(x, w.norm1(), 1e-6f);
            List<Tensor> qkv = Functional.linear(h, w.wqkv(), null).chunk(3, -1);
            Tensor a = attend(w, heads(qkv.get(0)), heads(qkv.get(1)), heads(qkv.get(2)));
            Tensor x1 = x.add(Functional.linear(a, w.wo(), null));
            Tensor h2 = Functional.rmsNorm(x1, w.norm2(), 1e-6f);
            List<Tensor> gu = Functional.linear(h2, w.w13(), null).chunk(2, -1);
            Tensor ff = Functional.siluMul(gu.get(0), gu.get(1));
            return s.keep(x1.add(Functional.linear(ff, w.w2(), null)));
        }
    }

    /** [1, T, D] -> [1, T, heads, headDim] (Z-Image keeps tokens before heads until attention). */
    static Tensor heads(Tensor t) {
        return t.reshape(1, TOKENS, HEADS, HEAD_DIM);
    }

    /** qk-norm, RoPE, SDPA; returns [1, T, D]. */
    static Tensor attend(Block w, Tensor q, Tensor k, Tensor v) {
        Tensor qr = Functional.ropePairs(Functional.rmsNorm(q, w.qNorm(), 1e-6f), w.cos(), w.sin()).transpose(1, 2);
        Tensor kr = Functional.ropePairs(Functional.rmsNorm(k, w.kNorm(), 1e-6f), w.cos(), w.sin()).transpose(1, 2);
        Tensor o = Functional.attention(qr, kr, v.transpose(1, 2));
        return o.transpose(1, 2).reshape(1, TOKENS, DIM);
    }

    /** Times each stage of the fused forward on its own. */
    static void breakdown(Block w, Tensor x, double ceiling) {
        try (TensorScope s = TensorScope.open()) {
            Tensor h = Functional.rmsNorm(x, w.norm1(), 1e-6f);
            Tensor qkvFlat = Functional.linear(h, w.wqkv(), null);
            List<Tensor> qkv = qkvFlat.chunk(3, -1);
            Tensor q = heads(qkv.get(0));
            Tensor qn = Functional.rmsNorm(q, w.qNorm(), 1e-6f);
            Tensor qt = Functional.ropePairs(qn, w.cos(), w.sin()).transpose(1, 2);
            Tensor vt = heads(qkv.get(2)).transpose(1, 2);
            Tensor o = Functional.attention(qt, qt, vt);
            Tensor a = o.transpose(1, 2).reshape(1, TOKENS, DIM);
            Tensor gu = Functional.linear(h, w.w13(), null);
            List<Tensor> parts = gu.chunk(2, -1);
            Tensor ff = Functional.siluMul(parts.get(0), parts.get(1));
            double t = TOKENS;
            double d = DIM;
            List<String[]> rows = new ArrayList<>();
            rows.add(stage("rms_norm x2 (block)", 2, 0, () -> Functional.rmsNorm(x, w.norm1(), 1e-6f), ceiling));
            rows.add(stage("linear qkv [T,D]x[3D,D]", 1, 2 * t * d * 3 * d,
                    () -> Functional.linear(h, w.wqkv(), null), ceiling));
            rows.add(stage("qk rms_norm x2 (per head)", 2, 0, () -> Functional.rmsNorm(q, w.qNorm(), 1e-6f),
                    ceiling));
            rows.add(stage("rope pairs x2", 2, 0, () -> Functional.ropePairs(qn, w.cos(), w.sin()), ceiling));
            rows.add(stage("sdpa", 1, 4 * t * t * d, () -> Functional.attention(qt, qt, vt), ceiling));
            rows.add(stage("heads->tokens reshape (copy)", 1, 0,
                    () -> o.transpose(1, 2).reshape(1, TOKENS, DIM), ceiling));
            rows.add(stage("linear out [T,D]x[D,D]", 1, 2 * t * d * d, () -> Functional.linear(a, w.wo(), null),
                    ceiling));
            rows.add(stage("residual add x2", 2, 0, () -> x.add(a), ceiling));
            rows.add(stage("linear w1|w3 [T,D]x[2H,D]", 1, 2 * t * d * 2 * HIDDEN,
                    () -> Functional.linear(h, w.w13(), null), ceiling));
            rows.add(stage("silu_mul", 1, 0, () -> Functional.siluMul(parts.get(0), parts.get(1)), ceiling));
            rows.add(stage("linear w2 [T,H]x[D,H]", 1, 2 * t * HIDDEN * d, () -> Functional.linear(ff, w.w2(), null),
                    ceiling));
            double total = 0;
            for (String[] r : rows) {
                total += Double.parseDouble(r[1]);
            }
            System.out.println("  Where the time goes (fused forward, each stage timed alone, best of 5):");
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, "    %-30s %7.2f ms %5.1f %% %s%n", r[0], Double.parseDouble(r[1]),
                        100 * Double.parseDouble(r[1]) / total, r[2]);
            }
            System.out.printf(Locale.ROOT, "    %-30s %7.2f ms%n", "sum of stages", total);
        }
    }

    static String[] stage(String name, int times, double flop, Supplier<Tensor> op, double ceiling) {
        double sec = bestSeconds(5, op) * times;
        String rate = flop > 0 ? String.format(Locale.ROOT, "(%.1f GFLOP/s, %.0f %% of GEMM)",
                flop * times / sec / 1e9, 100 * flop * times / sec / 1e9 / ceiling) : "";
        return new String[] {name, String.valueOf(sec * 1e3), rate};
    }

    // ---- utilities ----

    static Tensor random(long seed, long... shape) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    /** CPU seconds of the calling thread in the best run of the last {@link #bestSeconds} (see {@link #cpuMode}). */
    static double lastCpu;

    /**
     * With one intra-op thread libtorch computes on the calling thread, so that thread's CPU time is the op's cost
     * undisturbed by other processes on a shared machine; rates are then reported from CPU time. With more threads
     * the work is spread over OpenMP workers and only wall time is meaningful.
     */
    static boolean cpuMode() {
        return TorchRuntime.get().threads() == 1 && THREADS.isCurrentThreadCpuTimeSupported();
    }

    /** Best time of {@code reps} runs after one warm-up (CPU time in cpuMode, else wall); results are closed. */
    static double bestSeconds(int reps, Supplier<Tensor> op) {
        op.get().close();
        boolean cpu = cpuMode();
        double best = Double.MAX_VALUE;
        double bestCpu = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long c0 = cpu ? THREADS.getCurrentThreadCpuTime() : 0;
            long t0 = System.nanoTime();
            Tensor r = op.get();
            double wall = (System.nanoTime() - t0) / 1e9;
            double c = cpu ? (THREADS.getCurrentThreadCpuTime() - c0) / 1e9 : wall;
            best = Math.min(best, wall);
            bestCpu = Math.min(bestCpu, c);
            r.close();
        }
        lastCpu = bestCpu;
        return cpu ? bestCpu : best;
    }
}
