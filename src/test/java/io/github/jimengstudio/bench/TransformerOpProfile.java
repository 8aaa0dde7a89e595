package io.github.jimengstudio.bench;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.SandwichBlockWeights;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Where a main block's time goes: each op of one modulated Z-Image block ({@code ZImageBlock.forward}), at the
 * mid configuration's unified sequence (1088 tokens, dim 1024, 16 heads of 64, FFN 2730), timed alone with the
 * runtime calls the block makes, with its share of the block and its GFLOP/s where it has FLOPs. All ops run
 * round-robin and each keeps its best time, to see through a shared machine's noise. Indented rows are
 * alternatives for comparison, not counted (a count of -1 subtracts a helper copy the row above includes).
 * With {@code -Djimeng.threads=1} ops are timed by this thread's CPU clock. Arguments: [rounds, default 15].
 */
public final class TransformerOpProfile {
    private TransformerOpProfile() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        long s = 1088;
        long d = 1024;
        int h = Integer.getInteger("bench.heads", 16); // 8: head dim 128, as in the real model
        int hd = (int) d / h;
        long f = (long) (d / 3.0 * 8);
        SplittableRandom rnd = new SplittableRandom(3);
        Map<String, double[]> rows = new LinkedHashMap<>();
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = rand(rnd, 1, s, d);
            Tensor wq = rand(rnd, d, d);
            Tensor w1 = rand(rnd, f, d);
            Tensor w2 = rand(rnd, d, f);
            Tensor g = rand(rnd, d);
            Tensor gh = rand(rnd, hd);
            Tensor scale = rand(rnd, 1, 1, d);
            Tensor q = rand(rnd, 1, s, h, hd);
            Tensor cos = rand(rnd, 1, s, 1, hd / 2);
            Tensor sin = rand(rnd, 1, s, 1, hd / 2);
            Tensor hidden = rand(rnd, 1, s, f);
            Tensor ada = rand(rnd, 1, 256);
            Tensor wada = rand(rnd, 4 * d, 256);
            Tensor y = rand(rnd, 1, s, d);
            Tensor v = rand(rnd, 1, s, h, hd);
            Tensor qh = v.transpose(1, 2).contiguous();
            double lin = 2.0 * s * d * d;
            double ffn = 2.0 * s * d * f;
            time(rows, "adaLN linear, chunk, tanh, 1 + s", 1, 0, reps, () -> {
                List<Tensor> m = Functional.linear(ada, wada, null).unsqueeze(1).chunk(4, 2);
                m.get(0).add(1f);
                m.get(1).tanh();
                m.get(2).add(1f);
                return m.get(3).tanh();
            });
            time(rows, "norm1(x) * (1 + s), ffn_norm1 (x2)", 2, 0, reps, () -> Functional.rmsNorm(x, g.mul(scale), 1e-5f));
            // the blocks compute their linears with packed weights where the runtime can pack them (float32, MKL)
            boolean packs = PackedWeight.supported(wq);
            PackedWeight pq = packs ? PackedWeight.pack(wq, s) : null;
            PackedWeight p1 = packs ? PackedWeight.pack(w1, s) : null;
            PackedWeight p2 = packs ? PackedWeight.pack(w2, s) : null;
            time(rows, "linear to_q/k/v/out.0 (x4)", 4, lin, reps,
                    () -> packs ? Functional.linear(x, pq) : Functional.linear(x, wq, null));
            time(rows, "  (to_q, weight not packed)", 0, lin, reps, () -> Functional.linear(x, wq, null));
            Tensor k = rand(rnd, 1, s, h, hd);
            time(rows, "q/k norm, RoPE, v, attention: 1 call", 1, 4.0 * s * s * d, reps,
                    () -> Functional.rotaryAttention(q, k, v, gh, gh, 1e-5f, cos, sin, null));
            time(rows, "  (the same, one op at a time)", 0, 4.0 * s * s * d, reps, () -> {
                Tensor rq = Functional.ropePairsHeadsFirst(Functional.rmsNorm(q, gh, 1e-5f), cos, sin);
                Tensor rk = Functional.ropePairsHeadsFirst(Functional.rmsNorm(k, gh, 1e-5f), cos, sin);
                Tensor o2 = Functional.attention(rq, rk, v.transpose(1, 2).contiguous());
                return o2.transpose(1, 2).reshape(1, s, d);
            });
            time(rows, "  (q/k RMS norm, x2)", 0, 0, reps, () -> Functional.rmsNorm(q, gh, 1e-5f));
            time(rows, "  (q/k RoPE, heads first, x2)", 0, 0, reps, () -> Functional.ropePairsHeadsFirst(q, cos, sin));
            time(rows, "  (v to heads first)", 0, 0, reps, () -> v.transpose(1, 2).contiguous());
            time(rows, "  (attention alone, SDPA)", 0, 4.0 * s * s * d, reps, () -> Functional.attention(qh, qh, qh));
            time(rows, "  (SDPA on transposed views)", 0, 4.0 * s * s * d, reps,
                    () -> Functional.attention(v.transpose(1, 2), v.transpose(1, 2), v.transpose(1, 2)));
            time(rows, "x + tanh(g) * norm2(branch) (x2)", 2, 0, reps,
                    () -> Functional.addRmsNorm(x, y, g.mul(scale), 1e-5f));
            time(rows, "linear w1/w3 (x2)", 2, ffn, reps,
                    () -> packs ? Functional.linear(x, p1) : Functional.linear(x, w1, null));
            time(rows, "  (w1, weight not packed)", 0, ffn, reps, () -> Functional.linear(x, w1, null));
            time(rows, "silu(w1 y) * w3 y, in place", 1, 0, reps,
                    () -> Functional.siluMulInPlace(hidden.mul(1f), hidden));
            time(rows, "  (the copy made for the line above)", -1, 0, reps, () -> hidden.mul(1f));
            time(rows, "linear w2", 1, ffn, reps,
                    () -> packs ? Functional.linear(hidden, p2) : Functional.linear(hidden, w2, null));
            time(rows, "  (w2, weight not packed)", 0, ffn, reps, () -> Functional.linear(hidden, w2, null));
            Tensor wkv = rand(rnd, d, d);
            Tensor w3 = rand(rnd, f, d);
            SandwichBlockWeights block = new SandwichBlockWeights(wq, wkv, wkv, wq, gh, gh, 1e-5f, g, g, g, g, 1e-5f,
                    w1, w2, w3, h);
            List<PackedWeight> blockPacks = new ArrayList<>();
            if (packs) {
                PackedWeight pkv = PackedWeight.pack(wkv, s);
                PackedWeight p3 = PackedWeight.pack(w3, s);
                blockPacks.addAll(List.of(pq, pkv, pkv, pq, p1, p2, p3));
            }
            SandwichBlockWeights packedBlock = new SandwichBlockWeights(wq, wkv, wkv, wq, gh, gh, 1e-5f, g, g, g, g,
                    1e-5f, w1, w2, w3, h, blockPacks);
            Tensor mod = rand(rnd, 1, 1, 4 * d);
            time(rows, "  (the whole block in one call)", 0, 4 * lin + 3 * ffn + 4.0 * s * s * d, reps,
                    () -> Functional.sandwichBlock(x, packedBlock, mod, cos, sin, null));
            time(rows, "  (the block, weights not packed)", 0, 4 * lin + 3 * ffn + 4.0 * s * s * d, reps,
                    () -> Functional.sandwichBlock(x, block, mod, cos, sin, null));
            runRoundRobin(rows, reps);
            blockPacks.forEach(PackedWeight::close); // closing a shared copy twice is harmless
        }
        double total = rows.values().stream().mapToDouble(r -> r[0] * r[1]).sum();
        double gemmTime = rows.values().stream().filter(r -> r[2] > 0 && r[0] > 0).mapToDouble(r -> r[0] * r[1]).sum();
        System.out.printf("%-36s %6s %9s %7s %8s%n", "op (count per block)", "count", "ms each", "share", "GFLOP/s");
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            double[] r = e.getValue();
            System.out.printf("%-36s %6d %9.2f %6.1f%% %8s%n", e.getKey(), (int) r[0], r[1] * 1e3,
                    100 * r[0] * r[1] / total, r[2] > 0 ? String.format("%.1f", r[2] / r[1] / 1e9) : "");
        }
        System.out.printf("sum per block %.1f ms, of which linear layers and attention %.1f ms (%.0f%%)%n", total * 1e3,
                gemmTime * 1e3, 100 * gemmTime / total);
    }

    private static Tensor rand(SplittableRandom rnd, long... shape) {
        long n = 1;
        for (long v : shape) {
            n *= v;
        }
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return Tensor.of(a, shape);
    }

    private static final Map<String, Supplier<Tensor>> OPS = new LinkedHashMap<>();

    /** Registers an op; rows are {count, best seconds, flops}. */
    private static void time(Map<String, double[]> rows, String name, int count, double flops, int reps,
            Supplier<Tensor> op) {
        OPS.put(name, op);
        rows.put(name, new double[] {count, Double.MAX_VALUE, flops});
    }

    /**
     * Runs every op once per round, round after round, keeping each op's best time: on a shared machine all ops
     * then see the same mix of quiet and busy moments.
     */
    private static void runRoundRobin(Map<String, double[]> rows, int rounds) {
        // one intra-op thread computes on this thread: its CPU time is what an op costs, however busy the machine
        boolean cpuClock = TorchRuntime.get().threads() == 1;
        for (int r = 0; r < rounds + 2; r++) {
            for (Map.Entry<String, Supplier<Tensor>> e : OPS.entrySet()) {
                try (TensorScope s = TensorScope.open()) {
                    long t0 = TransformerBench.now(cpuClock);
                    e.getValue().get();
                    double sec = (TransformerBench.now(cpuClock) - t0) / 1e9;
                    if (r >= 2) {
                        double[] row = rows.get(e.getKey());
                        row[1] = Math.min(row[1], sec);
                    }
                }
            }
        }
    }
}
