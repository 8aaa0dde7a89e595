package io.github.jimengstudio.bench;

import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.vae.DecodedImage;
import io.github.jimengstudio.vae.LatentBatch;
import io.github.jimengstudio.vae.VaeConfig;
import io.github.jimengstudio.vae.VaeDecoder;
import io.github.jimengstudio.vae.VaeTiling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The FLUX VAE decoder at its real widths (128/256/512/512, 32 groups; 49.5 M parameters) with random weights,
 * float32 on this CPU: wall time and peak memory of decoding one latent, untiled and tiled.
 *
 * <p>Writes the random decoder (198 MB F32) to /tmp and deletes it at the end. Weights: GroupNorm gains
 * 1 + 0.25·N(0,1) and biases 0.1·N(0,1) (as the golden test VAE), conv and linear weights uniform in
 * ±1/√fan_in (PyTorch's default bound). Latents are N(0,1) "transformer-space" values, de-normalised by the
 * decoder as in the pipeline.
 *
 * <p>Time: wall clock and process CPU time (user + system of all threads; this VM under-reports the latter).
 * Peak memory is the process's peak resident size (VmHWM, reset through /proc/self/clear_refs before each decode,
 * after malloc_trim) minus the resident size just before the decode; the weights are mapped and already resident
 * then, so the number is what the decode itself adds. Also prints how far the tiled picture is from the untiled
 * one (mean / 99th percentile / max of |Δ| on the [0, 1] scale), and the mid-block attention op alone.
 *
 * <p>Arguments: latent sides to run (default {@code 64 128}). Tiles: 32 cells overlapping 8 for a 64 latent,
 * the {@link VaeTiling#auto()} tiles (64, overlap 16) above.
 */
public final class VaeBench {
    private VaeBench() {}

    public static void main(String[] args) throws Exception {
        int[] sides = args.length == 0 ? new int[] {64, 128}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        VaeConfig config = VaeConfig.flux();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jimeng-vae-bench");
        Path file = dir.resolve("vae-random.safetensors");
        try {
            writeRandomDecoder(config, file, new SplittableRandom(7));
            System.out.println(TorchRuntime.get().report());
            try (SafetensorsFile f = SafetensorsFile.open(file); VaeDecoder decoder = VaeDecoder.load(config, f)) {
                decoder.decode(latent(16, 0), VaeTiling.never()); // warm-up: JIT, kernels, allocator
                for (int side : sides) {
                    attention(side, config.midChannels());
                    LatentBatch z = latent(side, side);
                    VaeTiling tiling = side <= 64 ? VaeTiling.always(32, 8)
                            : VaeTiling.always(VaeTiling.DEFAULT_TILE, VaeTiling.DEFAULT_OVERLAP);
                    DecodedImage untiled = run(decoder, z, VaeTiling.never(), side + "x" + side + " untiled");
                    DecodedImage tiled = run(decoder, z, tiling, side + "x" + side + " tiled "
                            + tiling.planFor(side, side, config.upscale()));
                    compare(untiled, tiled);
                }
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static LatentBatch latent(int side, long seed) {
        return new LatentBatch(1, side, side, new TorchCpuRandom(seed).randn(1, 16, side, side));
    }

    private static DecodedImage run(VaeDecoder decoder, LatentBatch z, VaeTiling tiling, String label)
            throws IOException, InterruptedException {
        System.gc();
        NativeMemory.trim();
        Thread.sleep(200);
        boolean reset = resetPeak();
        long before = status("VmRSS");
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        DecodedImage image = decoder.decode(z, tiling).get(0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = cpuSeconds() - cpu0;
        long peak = status("VmHWM");
        System.out.printf("%-52s %6.1f s wall, %6.1f s CPU   peak +%,6d MiB over %,d MiB before%s%n", label, seconds,
                cpu, (peak - before) >> 20, before >> 20, reset ? "" : " (peak not resettable: process peak)");
        return image;
    }

    /**
     * The mid-block attention op alone at this latent size (one head of 512 over side² tokens): the runtime's
     * fused attention never holds the side⁴ score matrix, so its memory stays linear while its time is quadratic.
     */
    private static void attention(int side, int channels) throws IOException, InterruptedException {
        long tokens = (long) side * side;
        try (TensorScope s = TensorScope.open()) {
            Tensor q = Tensor.full(0.01f, 1, 1, tokens, channels);
            Tensor k = Tensor.full(0.02f, 1, 1, tokens, channels);
            Tensor v = Tensor.full(0.5f, 1, 1, tokens, channels);
            NativeMemory.trim();
            boolean reset = resetPeak();
            long before = status("VmRSS");
            double cpu0 = cpuSeconds();
            long t0 = System.nanoTime();
            Functional.attention(q, k, v).close();
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-52s %6.1f s wall, %6.1f s CPU   peak +%,6d MiB (the score matrix would be %,d MiB)"
                            + "%s%n",
                    side + "x" + side + " mid-attention op only", seconds, cpuSeconds() - cpu0,
                    (status("VmHWM") - before) >> 20, (4 * tokens * tokens) >> 20, reset ? "" : " (process peak)");
        }
    }

    private static void compare(DecodedImage a, DecodedImage b) {
        int n = a.rgb().length;
        double[] d = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            d[i] = Math.abs(a.rgb()[i] - b.rgb()[i]);
            sum += d[i];
        }
        Arrays.sort(d);
        System.out.printf("%-52s mean %.4f  p99 %.4f  max %.4f%n", "  tiled vs untiled |Δ| (0..1 scale)", sum / n,
                d[(int) (0.99 * n)], d[n - 1]);
    }

    /** Every decoder tensor of {@code config} under its diffusers name, random as described above. */
    static void writeRandomDecoder(VaeConfig config, Path file, SplittableRandom rnd) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        int mid = config.midChannels();
        conv(w, rnd, "decoder.conv_in", config.latentChannels(), mid, 3);
        resnet(w, rnd, "decoder.mid_block.resnets.0", mid, mid);
        String a = "decoder.mid_block.attentions.0.";
        norm(w, rnd, a + "group_norm", mid);
        for (String p : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
            uniform(w, rnd, a + p + ".weight", mid, new long[] {mid, mid});
            uniform(w, rnd, a + p + ".bias", mid, new long[] {mid});
        }
        resnet(w, rnd, "decoder.mid_block.resnets.1", mid, mid);
        int in = mid;
        for (int i = 0; i < config.upBlockCount(); i++) {
            int out = config.upBlockChannels(i);
            for (int j = 0; j < config.resnetsPerUpBlock(); j++) {
                resnet(w, rnd, "decoder.up_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            }
            if (i < config.upBlockCount() - 1) {
                conv(w, rnd, "decoder.up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
            }
            in = out;
        }
        norm(w, rnd, "decoder.conv_norm_out", in);
        conv(w, rnd, "decoder.conv_out", in, config.outChannels(), 3);
        w.write(file);
    }

    private static void resnet(SafetensorsWriter w, SplittableRandom rnd, String name, int in, int out) {
        norm(w, rnd, name + ".norm1", in);
        conv(w, rnd, name + ".conv1", in, out, 3);
        norm(w, rnd, name + ".norm2", out);
        conv(w, rnd, name + ".conv2", out, out, 3);
        if (in != out) {
            conv(w, rnd, name + ".conv_shortcut", in, out, 1);
        }
    }

    private static void conv(SafetensorsWriter w, SplittableRandom rnd, String name, int in, int out, int k) {
        uniform(w, rnd, name + ".weight", in * k * k, new long[] {out, in, k, k});
        uniform(w, rnd, name + ".bias", in * k * k, new long[] {out});
    }

    private static void norm(SafetensorsWriter w, SplittableRandom rnd, String name, int c) {
        float[] gain = new float[c];
        float[] bias = new float[c];
        for (int i = 0; i < c; i++) {
            gain[i] = (float) (1 + 0.25 * gaussian(rnd));
            bias[i] = (float) (0.1 * gaussian(rnd));
        }
        w.add(name + ".weight", DType.F32, new long[] {c}, gain);
        w.add(name + ".bias", DType.F32, new long[] {c}, bias);
    }

    private static void uniform(SafetensorsWriter w, SplittableRandom rnd, String name, int fanIn, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
        }
        w.add(name, DType.F32, shape, v);
    }

    static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * CPU time of the whole process (all libtorch threads), user + system, from /proc/self/stat; on this shared
     * machine it varies less than wall time, which counts the waits for other tenants' work.
     */
    static double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in USER_HZ (100/s)
    }

    /** A /proc/self/status field (VmRSS, VmHWM) in bytes. */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
            }
        }
        return -1;
    }
}
