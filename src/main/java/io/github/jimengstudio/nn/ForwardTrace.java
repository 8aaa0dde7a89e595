package io.github.jimengstudio.nn;

import io.github.jimengstudio.runtime.Tensor;

/**
 * Receives named intermediate tensors during a network's forward pass, so that a run can be compared with the
 * reference's dumps (the golden files' {@code dbg.*} keys without the prefix: {@code layers.1.out},
 * {@code layers.0.q_proj}, ...) or watched between blocks. The tensor is only valid during the call.
 */
@FunctionalInterface
public interface ForwardTrace {
    ForwardTrace NONE = (name, value) -> { };

    void record(String name, Tensor value);
}
