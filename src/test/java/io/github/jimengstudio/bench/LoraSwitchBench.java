package io.github.jimengstudio.bench;

import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.lora.LoraManager;
import io.github.jimengstudio.lora.LoraSelection;
import io.github.jimengstudio.lora.LoraTargets;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Time from selecting a LoRA to ready-to-generate, for a mid-size Z-Image transformer (dim 1024, 8 layers, 2 + 2
 * refiners, FFN 2730) with a rank-32 kohya LoRA (alpha 16) on every attention and feed-forward linear of every
 * block: 84 modules, 7.5 M parameters, 30 MB float32 on disk.
 * <ul>
 *   <li>cold: the file is in the page cache, nothing else is (a fresh {@link LoraManager}): header, name mapping,
 *       validation, reading and folding the factors, upload, swap;</li>
 *   <li>warm: both LoRAs are uploaded (cached); switching between them is a lookup (including the file's stat, so
 *       an edited file is noticed) and the swap.</li>
 * </ul>
 * Args: [reps (default 20)].
 */
public final class LoraSwitchBench {
    private LoraSwitchBench() {}

    static final int DIM = 1024;
    static final int FFN = (int) (DIM / 3.0 * 8);
    static final int RANK = 32;

    /** The transformer's attention and FFN linears for dim 1024, 8 layers, 2 + 2 refiners. */
    static LoraTargets targets() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String block : blocks()) {
            for (String p : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
                shapes.put(block + ".attention." + p + ".weight", new long[] {DIM, DIM});
            }
            shapes.put(block + ".feed_forward.w1.weight", new long[] {FFN, DIM});
            shapes.put(block + ".feed_forward.w2.weight", new long[] {DIM, FFN});
            shapes.put(block + ".feed_forward.w3.weight", new long[] {FFN, DIM});
        }
        return LoraTargets.of(shapes);
    }

    static List<String> blocks() {
        return List.of("noise_refiner.0", "noise_refiner.1", "context_refiner.0", "context_refiner.1", "layers.0",
                "layers.1", "layers.2", "layers.3", "layers.4", "layers.5", "layers.6", "layers.7");
    }

    /** A kohya-format rank-32 LoRA on every target, Gaussian factors (B small, as trained LoRAs have). */
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
            // sum of 4 uniforms: near-Gaussian, cheap and deterministic
            double u = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 2;
            v[i] = (float) (u * std * Math.sqrt(3));
        }
        return v;
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        TorchRuntime rt = TorchRuntime.get();
        System.out.println(rt.report());
        LoraTargets targets = targets();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jimeng-lora-bench");
        try {
            writeKohyaLora(dir.resolve("style_a.safetensors"), targets, 1);
            writeKohyaLora(dir.resolve("style_b.safetensors"), targets, 2);
            System.out.printf("LoRA files: %d modules each, %.1f MB%n", targets.size(),
                    Files.size(dir.resolve("style_a.safetensors")) / 1e6);
            for (String f : new String[] {"style_a", "style_b"}) {
                Files.readAllBytes(dir.resolve(f + ".safetensors")); // into the page cache
            }
            LoraLibrary library = new LoraLibrary(dir);
            library.rescan();

            double[] cold = new double[reps];
            for (int i = 0; i < reps; i++) {
                try (LoraManager m = new LoraManager(library, targets, rt.computeType(),
                        LoraManager.DEFAULT_CACHE_BYTES)) {
                    long t0 = System.nanoTime();
                    m.select(List.of(new LoraSelection(i % 2 == 0 ? "style_a" : "style_b", 0.8)));
                    cold[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            double[] warm = new double[reps * 10];
            try (LoraManager m = new LoraManager(library, targets, rt.computeType(), LoraManager.DEFAULT_CACHE_BYTES)) {
                m.select(List.of(new LoraSelection("style_a", 0.8)));
                m.select(List.of(new LoraSelection("style_b", 0.8)));
                for (int i = 0; i < warm.length; i++) {
                    long t0 = System.nanoTime();
                    m.select(List.of(new LoraSelection(i % 2 == 0 ? "style_a" : "style_b", 0.5 + (i % 5) / 10.0)));
                    warm[i] = (System.nanoTime() - t0) / 1e6;
                }
                System.out.printf("device bytes cached for both: %.1f MB%n", m.cachedBytes() / 1e6);
            }
            report("cold switch (file in page cache)", cold, 3);
            report("warm switch (adapters cached)", warm, 2);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** Prints min / median / max after dropping the first {@code warmup} runs (JIT). */
    static void report(String what, double[] ms, int warmup) {
        double[] v = Arrays.copyOfRange(ms, Math.min(warmup, ms.length - 1), ms.length);
        Arrays.sort(v);
        System.out.printf("%-36s first %.1f ms, then min %.2f / median %.2f / max %.2f ms (%d runs)%n", what, ms[0],
                v[0], v[v.length / 2], v[v.length - 1], v.length);
    }
}
