package io.github.jimengstudio.lora;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One LoRA's factors uploaded to the device once, in the model's compute type, ready to be switched in and out
 * any number of times. Owns its tensors; {@link #close()} frees them (the cache does, on eviction).
 */
public final class DeviceLora implements AutoCloseable {

    /** The factors of one target weight on the device: A [rank, in], B [out, rank], and the PEFT scale. */
    public record Factors(String target, Tensor a, Tensor b, double scale) {}

    private final String name;
    private final LoraFormat format;
    private final TensorScope owner;
    private final Map<String, Factors> byTarget;
    private final long bytes;

    private DeviceLora(String name, LoraFormat format, TensorScope owner, Map<String, Factors> byTarget, long bytes) {
        this.name = name;
        this.format = format;
        this.owner = owner;
        this.byTarget = byTarget;
        this.bytes = bytes;
    }

    /** Copies every adapter of {@code lora} to the runtime's device in {@code type} (float32 or bfloat16). */
    public static DeviceLora upload(Lora lora, ElementType type) {
        TensorScope owner = TensorScope.detached();
        Map<String, Factors> byTarget = new LinkedHashMap<>();
        long bytes = 0;
        try (TensorScope temps = TensorScope.open()) {
            for (LoraAdapter ad : lora.adapters()) {
                Tensor a = owner.adopt(onDevice(ad.a(), type, ad.rank(), ad.in()));
                Tensor b = owner.adopt(onDevice(ad.b(), type, ad.out(), ad.rank()));
                byTarget.put(ad.target(), new Factors(ad.target(), a, b, ad.scale()));
                bytes += (a.numel() + b.numel()) * type.byteSize();
            }
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        return new DeviceLora(lora.name(), lora.format(), owner, Collections.unmodifiableMap(byTarget), bytes);
    }

    private static Tensor onDevice(float[] values, ElementType type, long... shape) {
        Tensor t = Tensor.of(values, shape);
        return type == ElementType.FLOAT32 ? t : t.to(type);
    }

    public String name() {
        return name;
    }

    public LoraFormat format() {
        return format;
    }

    /** The factors by target weight name. */
    public Map<String, Factors> factors() {
        return byTarget;
    }

    /** Device bytes held. */
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return "DeviceLora[" + name + ", " + byTarget.size() + " targets, " + bytes + " bytes]";
    }
}
