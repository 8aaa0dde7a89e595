package io.github.jimengstudio.bench;

import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.vae.EncoderInput;
import io.github.jimengstudio.vae.LatentDistribution;
import io.github.jimengstudio.vae.RgbImage;
import io.github.jimengstudio.vae.VaeConfig;
import io.github.jimengstudio.vae.VaeEncoder;
import io.github.jimengstudio.vae.VaeTiling;
import io.github.jimengstudio.vae.VaeWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The FLUX VAE encoder at its real widths (128/256/512/512, 32 groups) with random weights, float32 on this CPU:
 * wall time and peak memory of encoding one picture, untiled and tiled, measured as {@link VaeBench} measures the
 * decoder (peak RSS during the encode minus RSS before it; weights already resident).
 *
 * <p>Weights as in {@link VaeBench}: GroupNorm gains 1 + 0.25·N(0,1) and biases 0.1·N(0,1), other weights and
 * biases uniform in ±1/√fan_in of their layer. The picture is a smooth gradient with random 8-bit noise.
 *
 * <p>Arguments: picture sides in pixels (default {@code 512 1024}); each is encoded untiled and, above 512, in
 * 512-pixel tiles overlapping by 128 to show what smaller tiles save.
 */
public final class VaeEncoderBench {
    private VaeEncoderBench() {}

    public static void main(String[] args) throws Exception {
        int[] sides = args.length == 0 ? new int[] {512, 1024}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        VaeConfig config = VaeConfig.flux();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jimeng-vae-encoder-bench");
        Path file = dir.resolve("vae-encoder-random.safetensors");
        try {
            writeRandom(VaeWeights.encoderShapes(config), file, new SplittableRandom(7));
            System.out.println(TorchRuntime.get().report());
            try (SafetensorsFile f = SafetensorsFile.open(file); VaeEncoder encoder = VaeEncoder.load(config, f)) {
                encoder.encode(picture(64), VaeTiling.never(), WorkMonitor.NONE); // warm-up
                for (int side : sides) {
                    EncoderInput x = picture(side);
                    LatentDistribution untiled = run(encoder, x, VaeTiling.never(), side + "x" + side + " untiled");
                    if (side > 512) {
                        VaeTiling tiling = VaeTiling.always(64, 16);
                        LatentDistribution tiled = run(encoder, x, tiling, side + "x" + side + " tiled "
                                + tiling.planFor(side / 8, side / 8, 1));
                        compare(untiled.mean(), tiled.mean());
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static EncoderInput picture(int side) {
        SplittableRandom rnd = new SplittableRandom(side);
        byte[] rgb = new byte[3 * side * side];
        for (int i = 0; i < rgb.length; i++) {
            int p = i / 3;
            int v = 40 + 150 * (p % side) / side + 30 * (p / side) / side + rnd.nextInt(30);
            rgb[i] = (byte) v;
        }
        return EncoderInput.fromRgb8(new RgbImage(side, side, rgb));
    }

    private static LatentDistribution run(VaeEncoder encoder, EncoderInput x, VaeTiling tiling, String label)
            throws IOException, InterruptedException {
        System.gc();
        NativeMemory.trim();
        Thread.sleep(200);
        boolean reset = VaeBench.resetPeak();
        long before = VaeBench.status("VmRSS");
        long t0 = System.nanoTime();
        LatentDistribution d = encoder.encode(x, tiling, WorkMonitor.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = VaeBench.status("VmHWM");
        System.out.printf("%-60s %6.1f s wall   peak +%,6d MiB over %,d MiB before (estimate %,d MiB)%s%n", label,
                seconds, (peak - before) >> 20, before >> 20,
                encoder.activationBytes(x.height(), x.width(), tiling) >> 20, reset ? "" : " (process peak)");
        return d;
    }

    private static void compare(float[] a, float[] b) {
        double[] d = new double[a.length];
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int i = 0; i < a.length; i++) {
            d[i] = Math.abs((double) a[i] - b[i]);
            sum += d[i];
            min = Math.min(min, a[i]);
            max = Math.max(max, a[i]);
        }
        Arrays.sort(d);
        System.out.printf("  tiled vs untiled mean |Δ|: mean %.4f  p99 %.4f  max %.4f (mean's range %.3f)%n",
                sum / a.length, d[(int) (0.99 * a.length)], d[a.length - 1], max - min);
    }

    /** Every tensor of {@code shapes}, random as described above. */
    private static void writeRandom(Map<String, long[]> shapes, Path file, SplittableRandom rnd) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            if (name.contains("norm")) {
                boolean gain = name.endsWith(".weight");
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((gain ? 1 : 0) + (gain ? 0.25 : 0.1) * VaeBench.gaussian(rnd));
                }
            } else {
                long[] weight = shapes.get(name.replaceAll("\\.bias$", ".weight"));
                double bound = 1 / Math.sqrt(Arrays.stream(weight).skip(1).reduce(1, (a, b) -> a * b));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
                }
            }
            w.add(name, DType.F32, shape, v);
        }
        w.write(file);
    }
}
