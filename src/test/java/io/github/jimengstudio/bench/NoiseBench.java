package io.github.jimengstudio.bench;

import io.github.jimengstudio.sampling.TorchCpuRandom;
import java.util.Arrays;

/**
 * Times {@code TorchCpuRandom.randn(1, 16, 128, 128)}, the 1024×1024 latent noise, with a fresh generator per draw
 * as a request makes it. Prints the first (cold) draw and the min / median of warm draws.
 */
public final class NoiseBench {
    private NoiseBench() {}

    public static void main(String[] args) {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long t0 = System.nanoTime();
        float[] first = new TorchCpuRandom(0).randn(1, 16, 128, 128);
        double coldMs = (System.nanoTime() - t0) / 1e6;

        double[] ms = new double[warm];
        float sink = first[0];
        for (int k = 0; k < warm; k++) {
            long s = System.nanoTime();
            float[] v = new TorchCpuRandom(k).randn(1, 16, 128, 128);
            ms[k] = (System.nanoTime() - s) / 1e6;
            sink += v[k];
        }
        Arrays.sort(ms);
        System.out.printf("randn 1x16x128x128 (262144 values): cold %.1f ms, warm min %.2f ms, median %.2f ms"
                + " over %d draws (sink %s)%n", coldMs, ms[0], ms[warm / 2], warm, sink);
    }
}
