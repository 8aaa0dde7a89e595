package io.github.jimengstudio.textenc;

import io.github.jimengstudio.runtime.Tensor;

/**
 * Receives named intermediate tensors of a forward pass ({@code layers.0.q_proj}, ...), so that tests can compare
 * them with the reference's per-layer dumps. A tensor handed over is only valid during the call.
 */
@FunctionalInterface
interface Trace {
    Trace NONE = (name, value) -> {};

    void capture(String name, Tensor value);
}
