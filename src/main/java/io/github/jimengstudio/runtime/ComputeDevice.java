package io.github.jimengstudio.runtime;

import ai.djl.Device;

/**
 * Where tensors live: the CPU or one CUDA GPU. A plain value: making one (e.g. {@code cuda(0)} on a machine without
 * a GPU) touches no native code; the runtime checks that it exists when it is used ({@link DeviceScope#use},
 * {@link WeightLoader}, {@link Tensor#toDevice}), before anything reaches libtorch.
 */
public record ComputeDevice(Kind kind, int index) {

    public enum Kind { CPU, CUDA }

    public static final ComputeDevice CPU = new ComputeDevice(Kind.CPU, -1);

    public static ComputeDevice cuda(int index) {
        return new ComputeDevice(Kind.CUDA, index);
    }

    public ComputeDevice {
        if (kind == null || (kind == Kind.CPU ? index != -1 : index < 0)) {
            throw new IllegalArgumentException("no device " + kind + ":" + index + "; use CPU or cuda(n >= 0)");
        }
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /**
     * The type a network computes in here: float32 on the CPU (bf16 matrix products run at about 1 GFLOP/s on
     * AVX2), bfloat16 on CUDA. Per device, so a CPU text encoder computes float32 beside a bf16 GPU transformer.
     */
    public ElementType computeType() {
        return isCuda() ? ElementType.BFLOAT16 : ElementType.FLOAT32;
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
