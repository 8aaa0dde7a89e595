package io.github.jimengstudio.bench;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.dit.ZImageWeightNames;
import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.lora.LoraManager;
import io.github.jimengstudio.lora.LoraSelection;
import io.github.jimengstudio.lora.LoraTargets;
import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LoRA switching and its per-step cost on the mid-size transformer of {@link TransformerBench} (dim 1024, 8 layers,
 * 2 + 2 refiners, FFN 2730, random float32 weights; 1024 image + 64 caption tokens), with a rank-32 kohya LoRA
 * (alpha 16) on every attention and feed-forward linear of every block: 84 modules, 7.5 M parameters, 30 MB.
 * <ol>
 *   <li>Switch time, from selecting a LoRA by name to ready-to-generate: cold (file in the page cache, nothing
 *       else: header, name mapping, validation, reading and folding the factors, upload, swap) and warm (both
 *       LoRAs uploaded; a lookup, the file's stat, the swap); and a warm switch with fuse-for-speed on (reload
 *       the base weights, merge the new LoRA).</li>
 *   <li>Forward time with no LoRA, with the runtime adapters (strength 0.8), and fused, in alternating rounds: the
 *       second forward after each switch (the cost per step), and the first (which on a float32 CPU also packs
 *       weights a switch replaced).
 *       With {@code -Djimeng.threads=1} the times are this thread's CPU time (robust on a shared machine).</li>
 * </ol>
 * Args: [forward rounds (default 5)].
 */
public final class LoraBench {
    private LoraBench() {}

    static final int RANK = 32;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        boolean cpuClock = rt.threads() == 1;
        System.out.println(cpuClock ? "timing: this thread's CPU time (1 intra-op thread)" : "timing: wall clock");
        ZImageTransformerConfig c = TransformerBench.midConfig();
        RandomWeights weights = new RandomWeights(ZImageWeightNames.shapes(c), 42);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jimeng-lora-bench");
        try (ZImageTransformer dit = ZImageTransformer.load(weights, c, ElementType.FLOAT32)) {
            LoraTargets targets = LoraTargets.fromLinears(attentionAndFeedForward(dit.linears()));
            writeKohyaLora(dir.resolve("style_a.safetensors"), targets, 1);
            writeKohyaLora(dir.resolve("style_b.safetensors"), targets, 2);
            System.out.printf("LoRA: rank %d on %d linears, %.1f MB file%n", RANK, targets.size(),
                    Files.size(dir.resolve("style_a.safetensors")) / 1e6);
            LoraLibrary library = new LoraLibrary(dir);
            library.rescan();
            switchTimes(library, dit, cpuClock);
            stepOverhead(library, dit, c, rounds, cpuClock);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    static List<Linear> attentionAndFeedForward(List<Linear> all) {
        List<Linear> out = new ArrayList<>();
        for (Linear l : all) {
            if (l.name().contains(".attention.") || l.name().contains(".feed_forward.")) {
                out.add(l);
            }
        }
        return out;
    }

    static void switchTimes(LoraLibrary library, ZImageTransformer dit, boolean cpuClock) throws IOException {
        for (String f : new String[] {"style_a", "style_b"}) {
            Files.readAllBytes(library.resolve(f)); // into the page cache
        }
        int coldRuns = 12;
        double[] cold = new double[coldRuns];
        for (int i = 0; i < coldRuns; i++) {
            try (LoraManager m = LoraManager.attachedTo(library, dit.linears(), ElementType.FLOAT32,
                    LoraManager.DEFAULT_CACHE_BYTES)) {
                long t0 = System.nanoTime();
                m.select(List.of(new LoraSelection(i % 2 == 0 ? "style_a" : "style_b", 0.8)));
                cold[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] warm = new double[200];
        double[] warmFused = new double[20];
        try (LoraManager m = LoraManager.attachedTo(library, dit.linears(), ElementType.FLOAT32,
                LoraManager.DEFAULT_CACHE_BYTES)) {
            m.select(List.of(new LoraSelection("style_a", 0.8)));
            m.select(List.of(new LoraSelection("style_b", 0.8)));
            for (int i = 0; i < warm.length; i++) {
                long t0 = System.nanoTime();
                m.select(List.of(new LoraSelection(i % 2 == 0 ? "style_a" : "style_b", 0.5 + (i % 5) / 10.0)));
                warm[i] = (System.nanoTime() - t0) / 1e6;
            }
            m.setFusing(true);
            for (int i = 0; i < warmFused.length; i++) {
                long t0 = System.nanoTime();
                m.select(List.of(new LoraSelection(i % 2 == 0 ? "style_a" : "style_b", 0.8)));
                warmFused[i] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf("device bytes cached for both LoRAs: %.1f MB%n", m.cachedBytes() / 1e6);
        }
        System.out.println("switch times (wall clock, " + TorchRuntime.get().threads() + " threads):");
        report("  cold (file in page cache)", cold, 2);
        report("  warm (adapters cached)", warm, 2);
        report("  warm, fuse-for-speed on", warmFused, 2);
    }

    static void stepOverhead(LoraLibrary library, ZImageTransformer dit, ZImageTransformerConfig c, int rounds,
            boolean cpuClock) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        int side = TransformerBench.IMAGE_SIDE;
        float[] latent = new float[16 * side * side];
        float[] caption = new float[TransformerBench.CAPTION_TOKENS * c.capFeatDim()];
        for (int i = 0; i < latent.length; i++) {
            latent[i] = (float) rnd.nextDouble(-1.7, 1.7);
        }
        for (int i = 0; i < caption.length; i++) {
            caption[i] = (float) rnd.nextDouble(-3, 3);
        }
        String[] modes = {"no LoRA", "runtime adapters, rank 32 @0.8", "fused"};
        double[][] sec = new double[modes.length][rounds];
        double[][] first = new double[modes.length][rounds];
        try (LoraManager m = LoraManager.attachedTo(library, dit.linears(), ElementType.FLOAT32,
                LoraManager.DEFAULT_CACHE_BYTES)) {
            // The adapters' cost is inside the transformer's native block calls, so it shows only as the difference
            // between forwards: the modes alternate within each round, so that each round's ratio compares forwards
            // that saw the same machine.
            for (int r = -1; r < rounds; r++) {
                for (int mode = 0; mode < modes.length; mode++) {
                    m.setFusing(mode == 2);
                    m.select(mode == 0 ? List.of() : List.of(new LoraSelection("style_a", 0.8)));
                    // A switch that replaces weights (fusing, unfusing) makes the next forward pack them again on a
                    // float32 CPU: the first forward after the switch shows that, the second the cost per step.
                    for (int pass = 0; pass < 2; pass++) {
                        try (TensorScope s = TensorScope.open()) {
                            Tensor x = Tensor.of(latent, 16, 1, side, side);
                            Tensor cap = Tensor.of(caption, TransformerBench.CAPTION_TOKENS, c.capFeatDim());
                            long a = TransformerBench.now(cpuClock);
                            dit.forward(List.of(x), new float[] {0.5f}, List.of(cap)).get(0).toFloatArray();
                            double t = (TransformerBench.now(cpuClock) - a) / 1e9;
                            if (r >= 0) {
                                (pass == 0 ? first : sec)[mode][r] = t;
                            }
                        }
                    }
                }
                if (r >= 0) {
                    System.out.printf("  round %d: none %.3f s, adapters %.3f s (%+.1f %%), fused %.3f s (%+.1f %%);"
                            + " first forward after the switch %.3f / %.3f / %.3f s%n", r + 1, sec[0][r], sec[1][r],
                            100 * (sec[1][r] / sec[0][r] - 1), sec[2][r], 100 * (sec[2][r] / sec[0][r] - 1),
                            first[0][r], first[1][r], first[2][r]);
                }
            }
            m.setFusing(false);
        }
        double[] ratioAdapters = new double[rounds];
        double[] ratioFused = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratioAdapters[r] = sec[1][r] / sec[0][r];
            ratioFused[r] = sec[2][r] / sec[0][r];
        }
        System.out.printf("forward, %d rounds: none best %.3f s; adapters best %.3f s (best/best %+.1f %%, median of"
                        + " per-round ratios %+.1f %%); fused best %.3f s (%+.1f %%, median %+.1f %%)%n", rounds,
                min(sec[0]), min(sec[1]), 100 * (min(sec[1]) / min(sec[0]) - 1),
                100 * (TransformerBench.median(ratioAdapters) - 1), min(sec[2]), 100 * (min(sec[2]) / min(sec[0]) - 1),
                100 * (TransformerBench.median(ratioFused) - 1));
    }

    /** A kohya-format rank-32 LoRA on every target, near-Gaussian factors (B small, as trained LoRAs have). */
    static void writeKohyaLora(Path file, LoraTargets targets, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        SafetensorsWriter w = new SafetensorsWriter().metadata("ss_network_dim", "32")
                .metadata("ss_network_alpha", "16");
        for (String weight : targets.names()) {
            String m = "lora_unet_" + weight.substring(0, weight.length() - ".weight".length()).replace('.', '_');
            int in = (int) targets.inFeatures(weight);
            int out = (int) targets.outFeatures(weight);
            w.add(m + ".lora_down.weight", DType.F32, new long[] {RANK, in},
                    gaussian(rnd, RANK * in, 1 / Math.sqrt(in)));
            w.add(m + ".lora_up.weight", DType.F32, new long[] {out, RANK}, gaussian(rnd, out * RANK, 0.01));
            w.add(m + ".alpha", DType.F32, new long[] {}, new float[] {16f});
        }
        w.write(file);
    }

    static float[] gaussian(SplittableRandom rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 2;
            v[i] = (float) (u * std * Math.sqrt(3));
        }
        return v;
    }

    static double min(double[] x) {
        return Arrays.stream(x).min().orElseThrow();
    }

    /** Prints min / median / max after dropping the first {@code warmup} runs (JIT). */
    static void report(String what, double[] ms, int warmup) {
        double[] v = Arrays.copyOfRange(ms, Math.min(warmup, ms.length - 1), ms.length);
        Arrays.sort(v);
        System.out.printf("%-30s first %.1f ms, then min %.2f / median %.2f / max %.2f ms (%d runs)%n", what, ms[0],
                v[0], v[v.length / 2], v[v.length - 1], v.length);
    }
}
