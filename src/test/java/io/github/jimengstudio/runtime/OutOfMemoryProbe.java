package io.github.jimengstudio.runtime;

import ai.djl.pytorch.engine.PtNDArray;

/**
 * Run in a child JVM whose address space is capped ({@code ulimit -v}): asks libtorch for more memory than the cap
 * leaves and prints how the failure reaches Java. The JVM must survive it.
 */
public final class OutOfMemoryProbe {
    private OutOfMemoryProbe() {}

    public static void main(String[] args) {
        OpHelper h = TorchRuntime.get().helper();
        // Two 8.6 GB float32 buffers, left unwritten (no page is touched): together above the cap the test sets,
        // whatever the JVM and libtorch themselves take, and never real memory if the first one fits.
        PtNDArray first = null;
        try {
            first = h.call("empty", new long[] {Integer.MAX_VALUE}, 6L, "cpu");
            h.call("empty", new long[] {Integer.MAX_VALUE}, 6L, "cpu").close();
            System.out.println("ALLOCATED");
        } catch (RuntimeException e) {
            InsufficientMemoryException shown = InsufficientMemoryException.fromNative(e, "Try less.");
            System.out.println("REFUSED " + (shown == null ? "unrecognised: " + e : shown.getMessage()));
        } finally {
            if (first != null) {
                first.close();
            }
        }
        try (TensorScope s = TensorScope.open()) {
            System.out.println("STILL ALIVE " + Tensor.of(new float[] {1, 2}, 2).add(1f).toFloatArray()[1]);
        }
    }
}
