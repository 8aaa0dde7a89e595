package io.github.jimengstudio.runtime;

/**
 * Run in a child JVM (fixed, pre-touched heap, so resident size reflects native memory) by
 * {@link NativeMemoryTest}: over 10,000 facade operations in 2,000 scopes, then a trim; prints the resident size
 * at the start, after the loop before trimming, and after trimming.
 */
public final class NativeMemoryProbe {

    static final int ITERATIONS = 2_000;

    public static void main(String[] args) throws Exception {
        TorchRuntime rt = TorchRuntime.get();
        Tensor w = Tensor.of(Ref.random(1, 256 * 256), 256, 256);
        Tensor x = Tensor.of(Ref.random(2, 64 * 256), 64, 256);
        loop(w, x, 500); // warm-up: JIT, libtorch's thread pools, the helper
        long start = settle(rt);
        int ops = loop(w, x, ITERATIONS);
        long beforeTrim = NativeMemory.residentBytes();
        long end = settle(rt);
        System.out.println("OPS " + ops);
        System.out.println("RSS " + start + " " + beforeTrim + " " + end);
        System.out.flush();
        System.exit(0);
    }

    /** Returns the number of facade operations performed. */
    @SuppressWarnings("try") // the scope is used for what it closes, not referenced
    private static int loop(Tensor w, Tensor x, int iterations) {
        int ops = 0;
        for (int i = 0; i < iterations; i++) {
            try (TensorScope s = TensorScope.open()) {
                Tensor h = Functional.linear(x, w, null);
                Tensor g = h.silu().mul(0.5f).add(x);
                Tensor n = Functional.rmsNorm(g, w.select(0, 3), 1e-6f);
                n.sum(-1, false);
                ops += 6;
                if (i % 500 == 499) {
                    // a large transient every so often, as a denoising step would make: 64 MB
                    Tensor.zeros(4096, 4096).add(1f);
                    ops += 2;
                }
            }
        }
        return ops;
    }

    private static long settle(TorchRuntime rt) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        if (!rt.releaseFreedMemory()) {
            throw new IllegalStateException("malloc_trim is not available on this machine");
        }
        return NativeMemory.residentBytes();
    }
}
