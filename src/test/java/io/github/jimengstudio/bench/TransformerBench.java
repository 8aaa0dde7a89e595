package io.github.jimengstudio.bench;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.dit.ZImageWeightNames;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One transformer forward on the "mid" configuration of the transformer issue — dim 1024, 8 main layers, 2 + 2
 * refiners, 16 heads, cap_feat_dim 1024, a 64×64 latent (512×512 image, 1024 image tokens) and 64 caption tokens —
 * with random float32 weights made in Java, on the CPU in float32.
 *
 * <p>Prints seconds per forward (median of the timed runs after one warm-up), the achieved rate counting the
 * matrix products and attention as zimage-spec/anchors.md do (2·m·n·k per linear, 4·S²·dim per attention), and
 * that rate divided by libtorch's own 2048³ float32 GEMM rate measured in the same process with the same threads
 * (before and after the forwards; the better of the two), plus the process's peak RSS.
 *
 * <p>Arguments: [timed runs, default 5].
 */
public final class TransformerBench {
    private TransformerBench() {}

    static final int IMAGE_SIDE = 64;
    static final int CAPTION_TOKENS = 64;

    static ZImageTransformerConfig midConfig() {
        return new ZImageTransformerConfig(2, 1, 16, 1024, 8, 2, 16, 16, 1e-5, true, 1024, 256.0, 1000.0,
                new int[] {16, 24, 24}, new int[] {1536, 512, 512});
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        ZImageTransformerConfig c = midConfig();
        double flops = forwardFlops(c, IMAGE_SIDE * IMAGE_SIDE / 4, CAPTION_TOKENS);
        long t0 = System.nanoTime();
        RandomWeights weights = new RandomWeights(ZImageWeightNames.shapes(c), 42);
        System.out.printf("mid config: %s%n  %.1f M parameters (%.0f MB float32) made in %.1f s; %.1f GFLOP per forward%n",
                c, weights.bytes() / 4e6, weights.bytes() / 1e6, (System.nanoTime() - t0) / 1e9, flops / 1e9);

        double gemmBefore = gemmRate(2048, 5);
        double[] seconds = new double[runs];
        try (ZImageTransformer dit = ZImageTransformer.load(weights, c, ElementType.FLOAT32)) {
            SplittableRandom rnd = new SplittableRandom(7);
            float[] latent = new float[16 * IMAGE_SIDE * IMAGE_SIDE];
            float[] caption = new float[CAPTION_TOKENS * c.capFeatDim()];
            for (int i = 0; i < latent.length; i++) {
                latent[i] = (float) rnd.nextDouble(-1.7, 1.7);
            }
            for (int i = 0; i < caption.length; i++) {
                caption[i] = (float) rnd.nextDouble(-3, 3);
            }
            for (int r = -1; r < runs; r++) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor x = Tensor.of(latent, 16, 1, IMAGE_SIDE, IMAGE_SIDE);
                    Tensor cap = Tensor.of(caption, CAPTION_TOKENS, c.capFeatDim());
                    long faults = minorFaults();
                    long a = System.nanoTime();
                    List<Tensor> out = dit.forward(List.of(x), new float[] {0.5f}, List.of(cap));
                    out.get(0).toFloatArray();
                    double sec = (System.nanoTime() - a) / 1e9;
                    System.out.printf("  forward %s: %.3f s, %d minor page faults%n", r < 0 ? "warm-up" : "#" + (r + 1),
                            sec, minorFaults() - faults);
                    if (r >= 0) {
                        seconds[r] = sec;
                    }
                }
            }
        }
        double gemmAfter = gemmRate(2048, 5);
        double gemm = Math.max(gemmBefore, gemmAfter);
        double median = median(seconds);
        double rate = flops / median;
        System.out.printf("threads %d; libtorch 2048^3 GEMM %.1f GFLOP/s before, %.1f after%n", rt.threads(),
                gemmBefore / 1e9, gemmAfter / 1e9);
        System.out.printf("forward: median %.3f s, best %.3f s over %d runs; %.1f GFLOP/s = %.2f of the GEMM rate"
                        + " (best run %.2f); peak RSS %.0f MB%n",
                median, Arrays.stream(seconds).min().orElseThrow(), runs, rate / 1e9, rate / gemm,
                flops / Arrays.stream(seconds).min().orElseThrow() / gemm, peakRssBytes() / 1e6);
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

    /** libtorch's float32 GEMM rate on n×n×n (median of {@code reps} after two warm-ups), FLOP/s. */
    static double gemmRate(int n, int reps) {
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
                long t0 = System.nanoTime();
                a.matmul(b).close();
                if (r >= 0) {
                    s[r] = (System.nanoTime() - t0) / 1e9;
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
