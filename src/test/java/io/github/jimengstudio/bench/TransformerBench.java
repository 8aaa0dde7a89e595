package io.github.jimengstudio.bench;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.dit.ZImageWeightNames;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One transformer forward on the "mid" configuration of the transformer issue — dim 1024, 8 main layers, 2 + 2
 * refiners, 16 heads, cap_feat_dim 1024, a 64×64 latent (512×512 image, 1024 image tokens) and 64 caption tokens —
 * with random float32 weights made in Java (written to a temporary safetensors file and mapped, as a checkpoint
 * is), on the CPU in float32.
 *
 * <p>Prints seconds per forward, the achieved rate counting the matrix products and attention as
 * zimage-spec/anchors.md do (2·m·n·k per linear, 4·S²·dim per attention), and that rate divided by libtorch's own
 * 2048³ float32 GEMM rate, measured in the same process with the same threads right before each forward (the
 * machines are shared: the best forward over the best GEMM, and the median of the per-run ratios), plus the
 * process's peak RSS.
 *
 * <p>With {@code -Djimeng.threads=1} every time is this thread's CPU time, which a busy shared machine does not
 * inflate; with libtorch's default threads it is wall time. Arguments: [timed runs, default 5].
 */
public final class TransformerBench {
    private TransformerBench() {}

    static final int IMAGE_SIDE = 64;
    static final int CAPTION_TOKENS = 64;

    static ZImageTransformerConfig midConfig() {
        return midConfig(16);
    }

    /**
     * The mid configuration with {@code heads} heads: 16 gives head dim 64 (the issue's), 8 gives head dim 128 (the
     * real model's 3840/30), with RoPE axes scaled to fill it.
     */
    static ZImageTransformerConfig midConfig(int heads) {
        int headDim = 1024 / heads;
        int[] axes = headDim == 64 ? new int[] {16, 24, 24} : new int[] {headDim / 4, 3 * headDim / 8, 3 * headDim / 8};
        return new ZImageTransformerConfig(2, 1, 16, 1024, 8, 2, heads, heads, 1e-5, true, 1024, 256.0, 1000.0,
                axes, new int[] {1536, 512, 512});
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        // -Dbench.heads=8 measures head dim 128, as in the real model
        ZImageTransformerConfig c = midConfig(Integer.getInteger("bench.heads", 16));
        double flops = forwardFlops(c, IMAGE_SIDE * IMAGE_SIDE / 4, CAPTION_TOKENS);
        long t0 = System.nanoTime();
        RandomWeights random = new RandomWeights(ZImageWeightNames.shapes(c), 42);
        System.out.printf("mid config: %s%n  %.1f M parameters (%.0f MB float32) made in %.1f s; %.1f GFLOP per forward%n",
                c, random.bytes() / 4e6, random.bytes() / 1e6, (System.nanoTime() - t0) / 1e9, flops / 1e9);
        // Written to a safetensors file and mapped, as a checkpoint is (the loader views float32 files zero-copy).
        // Viewed in the JDK's direct buffers instead, the plain GEMMs ran ~3 % slower than over a file mapping.
        Path file = Files.createTempFile("jimeng-transformer-bench", ".safetensors");
        file.toFile().deleteOnExit();
        new SafetensorsWriter().addAll(random).write(file);
        random = null; // its direct buffers go with the next collection
        System.gc();

        // With one intra-op thread libtorch computes on the calling thread, so its CPU time is what the work costs
        // whatever else runs on the machine; with more threads only wall time can be used.
        boolean cpuClock = rt.threads() == 1;
        System.out.println(cpuClock ? "timing: this thread's CPU time (1 intra-op thread)" : "timing: wall clock");
        double[] seconds = new double[runs];
        double[] gemm = new double[runs];
        long faults = 0;
        try (SafetensorsFile weights = SafetensorsFile.open(file);
                ZImageTransformer dit = ZImageTransformer.load(weights, c, ElementType.FLOAT32)) {
            SplittableRandom rnd = new SplittableRandom(7);
            float[] latent = new float[16 * IMAGE_SIDE * IMAGE_SIDE];
            float[] caption = new float[CAPTION_TOKENS * c.capFeatDim()];
            for (int i = 0; i < latent.length; i++) {
                latent[i] = (float) rnd.nextDouble(-1.7, 1.7);
            }
            for (int i = 0; i < caption.length; i++) {
                caption[i] = (float) rnd.nextDouble(-3, 3);
            }
            // Each run: libtorch's GEMM rate, then one forward right after it, so that both see the same machine.
            for (int r = -1; r < runs; r++) {
                double rate = gemmRate(2048, 3, cpuClock);
                try (TensorScope s = TensorScope.open()) {
                    Tensor x = Tensor.of(latent, 16, 1, IMAGE_SIDE, IMAGE_SIDE);
                    Tensor cap = Tensor.of(caption, CAPTION_TOKENS, c.capFeatDim());
                    long f0 = minorFaults();
                    long a = now(cpuClock);
                    List<Tensor> out = dit.forward(List.of(x), new float[] {0.5f}, List.of(cap));
                    out.get(0).toFloatArray();
                    double sec = (now(cpuClock) - a) / 1e9;
                    System.out.printf("  %s: GEMM %.0f GFLOP/s, forward %.3f s = %.0f GFLOP/s (%.2f of GEMM), %d minor"
                            + " page faults%n", r < 0 ? "warm-up" : "run " + (r + 1), rate / 1e9, sec,
                            flops / sec / 1e9, flops / sec / rate, minorFaults() - f0);
                    if (r >= 0) {
                        seconds[r] = sec;
                        gemm[r] = rate;
                        faults += minorFaults() - f0;
                    }
                }
            }
        }
        double[] ratios = new double[runs];
        for (int r = 0; r < runs; r++) {
            ratios[r] = flops / seconds[r] / gemm[r];
        }
        double best = Arrays.stream(seconds).min().orElseThrow();
        double bestGemm = Arrays.stream(gemm).max().orElseThrow();
        System.out.printf("threads %d; %d runs%n", rt.threads(), runs);
        System.out.printf("forward: best %.3f s (%.1f GFLOP/s), median %.3f s; libtorch 2048^3 GEMM best %.1f GFLOP/s,"
                        + " median %.1f%n", best, flops / best / 1e9, median(seconds), bestGemm / 1e9,
                median(gemm) / 1e9);
        System.out.printf("achieved / GEMM rate: %.2f best forward over best GEMM; %.2f median of the per-run ratios;"
                        + " %d minor page faults per forward; peak RSS %.0f MB%n", flops / best / bestGemm,
                median(ratios), faults / runs, peakRssBytes() / 1e6);
    }

    /**
     * FLOPs of one forward of one item, counting as the anchors do: every linear layer 2·tokens·in·out, every
     * attention 4·S²·dim (QKᵀ and the weighted sum of V), nothing else.
     */
    static double forwardFlops(ZImageTransformerConfig c, long imageTokens, long captionTokens) {
        long d = c.dim();
        long pi = imageTokens + Math.floorMod(-imageTokens, 32);
        long pc = captionTokens + Math.floorMod(-captionTokens, 32);
        long u = pi + pc;
        double blockWeights = 4.0 * d * d + 3.0 * d * c.ffnHidden();
        double flops = 0;
        flops += c.nRefinerLayers() * (2 * pi * blockWeights + 4.0 * pi * pi * d);
        flops += c.nRefinerLayers() * (2 * pc * blockWeights + 4.0 * pc * pc * d);
        flops += c.nLayers() * (2 * u * blockWeights + 4.0 * u * u * d);
        flops += 2.0 * pi * c.patchFeatures() * d;      // x embedder
        flops += 2.0 * pc * c.capFeatDim() * d;         // caption embedder
        flops += 2.0 * u * d * c.patchFeatures();       // final linear
        return flops;
    }

    static long now(boolean cpuClock) {
        return cpuClock ? ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** libtorch's float32 GEMM rate on n×n×n (median of {@code reps} after two warm-ups), FLOP/s. */
    static double gemmRate(int n, int reps, boolean cpuClock) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] v = new float[n * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        double[] s = new double[reps];
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.of(v, n, n);
            Tensor b = Tensor.of(v, n, n);
            for (int r = -2; r < reps; r++) {
                long t0 = now(cpuClock);
                a.matmul(b).close();
                if (r >= 0) {
                    s[r] = (now(cpuClock) - t0) / 1e9;
                }
            }
        }
        return 2.0 * n * n * n / median(s);
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Minor page faults of this process so far (/proc/self/stat field 10). */
    static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }

    /** VmHWM of this process. */
    static long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
