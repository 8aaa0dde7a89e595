package io.github.jimengstudio.runtime;

/**
 * Run in a child JVM whose address space is capped ({@code ulimit -v}): asks libtorch for more memory than the cap
 * leaves and prints how the failure reaches Java. The JVM must survive it.
 */
public final class OutOfMemoryProbe {
    private OutOfMemoryProbe() {}

    public static void main(String[] args) {
        TorchRuntime.get();
        try (TensorScope s = TensorScope.open()) {
            Tensor big = Tensor.zeros(Integer.MAX_VALUE); // 8.6 GB of float32
            System.out.println("ALLOCATED " + big.numel());
        } catch (RuntimeException e) {
            InsufficientMemoryException shown = InsufficientMemoryException.fromNative(e, "Try less.");
            System.out.println("REFUSED " + (shown == null ? "unrecognised: " + e : shown.getMessage()));
        }
        try (TensorScope s = TensorScope.open()) {
            System.out.println("STILL ALIVE " + Tensor.of(new float[] {1, 2}, 2).add(1f).toFloatArray()[1]);
        }
    }
}
