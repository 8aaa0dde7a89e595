package io.github.jimengstudio.lora;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.Functional;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One LoRA's factors uploaded to the device once, in the model's compute type, ready to be switched in and out
 * any number of times. Owns its tensors; {@link #close()} frees them (the cache does, on eviction).
 */
public final class DeviceLora implements AutoCloseable {

    /**
     * The factors of one target weight on the device: A [rank, in], B [out, rank], and the PEFT scale. When
     * {@code down} is not null, A is rows {@code [downOffset, downOffset + rank)} of {@code down}'s stacked A.
     */
    public record Factors(String target, Tensor a, Tensor b, double scale, SharedDown down, long downOffset) {
        public Factors(String target, Tensor a, Tensor b, double scale) {
            this(target, a, b, scale, null, 0);
        }
    }

    /**
     * The A factors of sibling layers that read the same input (a block's q, k and v projections; w1 and w3 of its
     * feed-forward), stacked along the rank: one product {@code x·Aᵀ} serves them all, a wider and so faster GEMM
     * than one thin product per layer. The product is remembered for the input it was made from (by identity, while
     * that input's result is alive), so the siblings that follow with the same input reuse it.
     */
    public static final class SharedDown {
        private record Memo(Tensor x, Tensor h) {}

        private final Tensor a;
        private volatile Memo memo;

        SharedDown(Tensor a) {
            this.a = a;
        }

        /** {@code x·Aᵀ} [..., Σ rank] for the stacked A, computed once per input tensor. */
        public Tensor product(Tensor x) {
            Memo m = memo;
            if (m != null && m.x() == x && !m.h().isClosed()) {
                return m.h();
            }
            Tensor h = Functional.linear(x, a, null);
            memo = new Memo(x, h);
            return h;
        }
    }

    /** Suffixes of sibling modules that read the same input (diffusers' attention and SwiGLU names). */
    private static final List<List<String>> SIBLINGS = List.of(
            List.of(".to_q.weight", ".to_k.weight", ".to_v.weight"),
            List.of(".w1.weight", ".w3.weight"));

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
            Map<String, LoraAdapter> byName = new LinkedHashMap<>();
            for (LoraAdapter ad : lora.adapters()) {
                byName.put(ad.target(), ad);
            }
            for (LoraAdapter ad : lora.adapters()) {
                if (byTarget.containsKey(ad.target())) {
                    continue;
                }
                List<LoraAdapter> group = siblingsOf(ad, byName);
                Tensor b = owner.adopt(onDevice(ad.b(), type, ad.out(), ad.rank()));
                bytes += b.numel() * type.byteSize();
                if (group.size() < 2) {
                    Tensor a = owner.adopt(onDevice(ad.a(), type, ad.rank(), ad.in()));
                    byTarget.put(ad.target(), new Factors(ad.target(), a, b, ad.scale()));
                    bytes += a.numel() * type.byteSize();
                    continue;
                }
                int rows = group.stream().mapToInt(LoraAdapter::rank).sum();
                float[] stacked = new float[rows * ad.in()];
                int row = 0;
                for (LoraAdapter g : group) {
                    System.arraycopy(g.a(), 0, stacked, row * ad.in(), g.a().length);
                    row += g.rank();
                }
                SharedDown down = new SharedDown(owner.adopt(onDevice(stacked, type, rows, ad.in())));
                bytes += (long) stacked.length * type.byteSize();
                row = 0;
                for (LoraAdapter g : group) {
                    Tensor a = owner.adopt(down.a.slice(0, row, row + g.rank()));
                    Tensor gb = g == ad ? b : owner.adopt(onDevice(g.b(), type, g.out(), g.rank()));
                    if (g != ad) {
                        bytes += gb.numel() * type.byteSize();
                    }
                    byTarget.put(g.target(), new Factors(g.target(), a, gb, g.scale(), down, row));
                    row += g.rank();
                }
            }
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        return new DeviceLora(lora.name(), lora.format(), owner, Collections.unmodifiableMap(byTarget), bytes);
    }

    /** {@code ad} with the adapters of its sibling modules (same input), in sibling order; just {@code ad} if none. */
    private static List<LoraAdapter> siblingsOf(LoraAdapter ad, Map<String, LoraAdapter> byName) {
        for (List<String> set : SIBLINGS) {
            for (String suffix : set) {
                if (!ad.target().endsWith(suffix)) {
                    continue;
                }
                String module = ad.target().substring(0, ad.target().length() - suffix.length());
                List<LoraAdapter> group = new ArrayList<>();
                for (String sibling : set) {
                    LoraAdapter g = byName.get(module + sibling);
                    if (g != null && g.in() == ad.in() && g.rank() > 0) {
                        group.add(g);
                    }
                }
                return group.contains(ad) ? group : List.of(ad);
            }
        }
        return List.of(ad);
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
