package io.github.jimengstudio.dit;

import io.github.jimengstudio.runtime.Tensor;

/**
 * Receives named intermediate tensors during a forward pass, for comparing a run against reference dumps. Names
 * follow the golden files' {@code dbg.*} keys without the prefix ({@code t_embedder.out},
 * {@code noise_refiner.0.in.x}, {@code layers.1.out}, ...). The tensor is only valid during the call.
 */
@FunctionalInterface
public interface ForwardTrace {
    void record(String name, Tensor value);
}
