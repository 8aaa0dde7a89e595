package io.github.jimengstudio.runtime;

import ai.djl.Device;

/** Where tensors live: the CPU or one CUDA GPU. */
public record ComputeDevice(Kind kind, int index) {

    public enum Kind { CPU, CUDA }

    public static final ComputeDevice CPU = new ComputeDevice(Kind.CPU, -1);

    public static ComputeDevice cuda(int index) {
        return new ComputeDevice(Kind.CUDA, index);
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /** The name torch uses ("cpu", "cuda:0"). */
    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }

    Device djl() {
        return kind == Kind.CPU ? Device.cpu() : Device.gpu(index);
    }

    static ComputeDevice of(Device d) {
        return d.isGpu() ? cuda(d.getDeviceId()) : CPU;
    }
}
