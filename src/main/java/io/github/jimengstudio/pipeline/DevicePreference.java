package io.github.jimengstudio.pipeline;

/** Which device the user wants the networks on; {@link MemoryMode} then decides what stays resident where. */
public enum DevicePreference {
    /** The GPU when libtorch sees one, otherwise the CPU. */
    AUTO,
    /** The CPU, even when a GPU is present. */
    CPU,
    /** A GPU; refused with a clear message when libtorch sees none. */
    GPU
}
