package io.github.jimengstudio.runtime;

import ai.djl.ndarray.types.DataType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Run in a child JVM by {@link AbortProofTest}: calls every public facade operation on bfloat16 tensors and on
 * read-only memory-mapped tensors, asks for every type DJL cannot map, and prints one line per call:
 * {@code OK <set> <op>} or {@code REFUSED <set> <op> <exception class>: <message>}. A JVM abort would cut the
 * output short and give a non-zero exit code, which is what the parent test looks for.
 */
public final class AbortProofProbe {

    private static final Map<String, Consumer<Tensor>> OPS = new LinkedHashMap<>();

    private static void op(String name, Consumer<Tensor> body) {
        OPS.put(name, body);
    }

    static {
        // x has shape [2, 4, 6, 8] and the type under test; other operands are made to match it.
        op("type", x -> x.type());
        op("shape", x -> x.shape());
        op("rank", x -> x.rank());
        op("dim", x -> x.dim(-1));
        op("numel", x -> x.numel());
        op("device", x -> x.device());
        op("isReadOnly", x -> x.isReadOnly());
        op("isClosed", x -> x.isClosed());
        op("toString", x -> x.toString());
        op("toFloatArray", x -> x.toFloatArray());
        op("toLongArray", x -> x.toLongArray());
        op("item", x -> x.slice(0, 0, 1).slice(1, 0, 1).slice(2, 0, 1).slice(3, 0, 1).item());
        op("reshape", x -> x.reshape(8, -1).toFloatArray());
        op("permute", x -> x.permute(3, 2, 1, 0).toFloatArray());
        op("transpose", x -> x.transpose(1, 2).toFloatArray());
        op("contiguous", x -> x.transpose(1, 2).contiguous().toFloatArray());
        op("channelsLast", x -> x.channelsLast().toFloatArray());
        op("slice", x -> x.slice(2, 1, 3).toFloatArray());
        op("narrow", x -> x.narrow(-1, 2, 2).toFloatArray());
        op("select", x -> x.select(1, 3).toFloatArray());
        op("chunk", x -> x.chunk(2, 0).get(1).toFloatArray());
        op("split", x -> x.split(3, 5, 3).get(1).toFloatArray());
        op("unsqueeze", x -> x.unsqueeze(0).toFloatArray());
        op("squeeze", x -> x.slice(0, 0, 1).squeeze(0).toFloatArray());
        op("expand", x -> x.slice(0, 0, 1).expand(3, -1, -1, -1).toFloatArray());
        op("indexSelect", x -> x.indexSelect(2, Tensor.ofLongs(new long[] {5, 0}, 2)).toFloatArray());
        op("embedding", x -> x.reshape(48, 8).embedding(Tensor.ofLongs(new long[] {3, 47}, 2)).toFloatArray());
        op("repeatInterleave", x -> x.repeatInterleave(2, 1).toFloatArray());
        op("add", x -> x.add(x).toFloatArray());
        op("sub", x -> x.sub(x.mul(0.5f)).toFloatArray());
        op("mul", x -> x.mul(x).toFloatArray());
        op("div", x -> x.div(x.abs().add(1f)).toFloatArray());
        op("rsub", x -> x.rsub(1f).toFloatArray());
        op("pow", x -> x.abs().pow(1.5f).toFloatArray());
        op("neg", x -> x.neg().toFloatArray());
        op("exp", x -> x.exp().toFloatArray());
        op("log", x -> x.abs().add(1f).log().toFloatArray());
        op("tanh", x -> x.tanh().toFloatArray());
        op("sigmoid", x -> x.sigmoid().toFloatArray());
        op("sqrt", x -> x.abs().sqrt().toFloatArray());
        op("rsqrt", x -> x.abs().add(1f).rsqrt().toFloatArray());
        op("square", x -> x.square().toFloatArray());
        op("abs", x -> x.abs().toFloatArray());
        op("sin", x -> x.sin().toFloatArray());
        op("cos", x -> x.cos().toFloatArray());
        op("clamp", x -> x.clamp(-0.5f, 0.5f).toFloatArray());
        op("silu", x -> x.silu().toFloatArray());
        op("geluTanh", x -> x.geluTanh().toFloatArray());
        op("gelu", x -> x.gelu().toFloatArray());
        op("softmax", x -> x.softmax(-1).toFloatArray());
        op("matmul", x -> x.matmul(x.transpose(-1, -2)).toFloatArray());
        op("mean", x -> {
            x.mean(-1, true).toFloatArray();
            x.mean(new int[] {1, 3}, false).toFloatArray();
        });
        op("sum", x -> x.sum(new int[] {0, 2}, true).toFloatArray());
        op("max", x -> {
            x.max(2, false).toFloatArray();
            x.max().toFloatArray();
        });
        op("min", x -> x.min().toFloatArray());
        op("to", x -> {
            for (ElementType t : ElementType.values()) {
                Tensor y = x.to(t);
                if (t.isFloating()) {
                    y.toFloatArray();
                } else {
                    y.toLongArray();
                }
                y.to(x.type()).toString();
            }
        });
        op("toDevice", x -> x.toDevice(ComputeDevice.CPU).toFloatArray());
        op("use", x -> {
            try (DeviceScope on = DeviceScope.use(x.device())) {
                Tensor.ones(x.type(), 8).add(x).toFloatArray();
            }
        });
        op("current", x -> {
            if (!DeviceScope.current().equals(x.device())) {
                throw new IllegalStateException("outside a scope the creation device is the default, " + x.device());
            }
        });
        op("duplicate", x -> x.duplicate().addInPlace(x).toFloatArray());
        op("addInPlace", x -> x.addInPlace(x.mul(0f)).toFloatArray());
        op("subInPlace", x -> x.reshape(-1).subInPlace(x.reshape(-1).mul(0f)).toFloatArray());
        op("mulInPlace", x -> x.slice(1, 0, 2).mulInPlace(Tensor.ones(x.type(), 1)).toFloatArray());
        op("divInPlace", x -> x.transpose(0, 1).divInPlace(Tensor.ones(x.type(), 8)).toFloatArray());
        op("close", x -> {
            Tensor y = x.reshape(-1);
            y.close();
            y.close();
        });
        op("cat", x -> Tensor.cat(List.of(x, x), 1).toFloatArray());
        op("stack", x -> Tensor.stack(List.of(x, x), 0).toFloatArray());
        op("of", x -> Tensor.of(new float[] {1, 2}, 2).to(x.type()).toFloatArray());
        op("ofLongs", x -> Tensor.ofLongs(new long[] {1, 2}, 2).to(x.type()).toFloatArray());
        op("ofBooleans", x -> Tensor.ofBooleans(new boolean[] {true, false}, 2).to(x.type()).toFloatArray());
        op("zeros", x -> Tensor.zeros(x.type(), 2, 3).add(x.slice(3, 0, 3).slice(0, 0, 1).select(1, 0).select(1, 0))
                .toFloatArray());
        op("ones", x -> Tensor.ones(x.type(), 3).toFloatArray());
        op("full", x -> Tensor.full(x.type(), 0.25f, 3).toFloatArray());
        op("arange", x -> Tensor.arange(0, 3, 1).to(x.type()).toFloatArray());
        op("arangeLong", x -> Tensor.arangeLong(0, 3).toLongArray());
        // Functional
        op("linear", x -> {
            Tensor w = x.select(0, 0).select(0, 0); // [6, 8]
            Functional.linear(x, w, w.select(1, 0)).toFloatArray();
            Functional.linear(x, w, null).toFloatArray();
        });
        op("conv2d", x -> {
            Tensor w = x.slice(2, 0, 3).slice(3, 0, 3).contiguous(); // [2, 4, 3, 3]
            Functional.conv2d(x, w, null, 1, 1).toFloatArray();
            Functional.conv2d(x, w.reshape(4, 2, 3, 3), w.reshape(-1).slice(0, 0, 4), 2, 0, 2).toFloatArray();
        });
        op("upsampleNearest2x", x -> Functional.upsampleNearest2x(x).toFloatArray());
        op("attention", x -> {
            Functional.attention(x, x, x).toFloatArray();
            Functional.attention(x, x, x, true, false).toFloatArray();
            Functional.attention(x, x.slice(1, 0, 2), x.slice(1, 0, 2), false, true).toFloatArray();
            boolean[] keep = new boolean[36];
            java.util.Arrays.fill(keep, true);
            Functional.attention(x, x, x, Tensor.ofBooleans(keep, 6, 6), false).toFloatArray();
            Functional.attention(x, x, x, Tensor.zeros(x.type(), 1, 1, 6, 6), false).toFloatArray();
        });
        op("rmsNorm", x -> Functional.rmsNorm(x, Tensor.ones(x.type(), 8), 1e-6f).toFloatArray());
        op("layerNorm", x -> {
            Functional.layerNorm(x, 1e-6f).toFloatArray();
            Functional.layerNorm(x, Tensor.ones(x.type(), 8), Tensor.zeros(x.type(), 8), 1e-6f).toFloatArray();
        });
        op("groupNorm", x -> Functional.groupNorm(x, 2, Tensor.ones(x.type(), 4), Tensor.zeros(x.type(), 4), 1e-6f)
                .toFloatArray());
        op("groupNormSilu", x -> Functional.groupNormSilu(x, 2, Tensor.ones(x.type(), 4),
                Tensor.zeros(x.type(), 4), 1e-6f).toFloatArray());
        op("addRmsNorm", x -> Functional.addRmsNorm(x, x, Tensor.ones(x.type(), 8), 1e-6f).toFloatArray());
        op("siluMul", x -> Functional.siluMul(x, x).toFloatArray());
        op("siluMulInPlace", x -> Functional.siluMulInPlace(x, x.mul(1f)).toFloatArray());
        op("addLowRankInPlace", x -> {
            Tensor a = x.select(0, 0).select(0, 0).slice(0, 0, 3); // [3, 8]
            Functional.addLowRankInPlace(x, x, a, a.transpose(0, 1), 0.5f).toFloatArray();
        });
        op("rotaryAttention", x -> {
            Tensor g = Tensor.ones(x.type(), 8);
            Tensor cos = x.slice(2, 0, 1).slice(3, 0, 4);
            Tensor sin = x.slice(2, 0, 1).slice(3, 4, 8);
            Functional.rotaryAttention(x, x, x, g, g, 1e-6f, cos, sin, null).toFloatArray();
            boolean[] keep = new boolean[8];
            java.util.Arrays.fill(keep, true);
            Functional.rotaryAttention(x, x, x, g, g, 1e-6f, cos, sin, Tensor.ofBooleans(keep, 2, 1, 1, 4))
                    .toFloatArray();
        });
        op("sandwichBlock", x -> {
            Tensor h = x.reshape(2, 24, 8);
            Tensor l = Tensor.ones(x.type(), 8, 8);
            Tensor g = Tensor.ones(x.type(), 8);
            Tensor gh = Tensor.ones(x.type(), 4);
            SandwichBlockWeights w = new SandwichBlockWeights(l, l, l, l, gh, gh, 1e-6f, g, g, g, g, 1e-6f, l, l, l,
                    2);
            Tensor cs = x.reshape(2, 24, 1, 8).slice(3, 0, 2);
            Functional.sandwichBlock(h, w, null, cs, cs, null).toFloatArray();
            boolean[] keep = new boolean[48];
            java.util.Arrays.fill(keep, true);
            Functional.sandwichBlock(h, w, Tensor.ones(x.type(), 2, 1, 32), cs, cs,
                    Tensor.ofBooleans(keep, 2, 1, 1, 24)).toFloatArray();
            LowRankUpdate u = new LowRankUpdate(Tensor.ones(x.type(), 1, 8), Tensor.ones(x.type(), 8, 1), 0.5f);
            Functional.sandwichBlock(h, w, null, cs, cs, null, java.util.Collections.nCopies(7, java.util.List.of(u)))
                    .toFloatArray();
        });
        op("ropePairs", x -> Functional.ropePairs(x, x.slice(3, 0, 4), x.slice(3, 4, 8)).toFloatArray());
        op("ropePairsHeadsFirst", x -> Functional.ropePairsHeadsFirst(x, x.slice(2, 0, 1).slice(3, 0, 4),
                x.slice(2, 0, 1).slice(3, 4, 8)).toFloatArray());
        op("ropeHalf", x -> Functional.ropeHalf(x, x.cos(), x.sin()).toFloatArray());
    }

    /** Names of all operations exercised, for the parent's completeness check. */
    static List<String> opNames() {
        return new ArrayList<>(OPS.keySet());
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("abort-proof");
        float[] values = new float[2 * 4 * 6 * 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i * 0.37) * 2;
        }
        Path file = new TestSafetensors().floats("x", "F32", values, 2, 4, 6, 8).write(dir.resolve("x.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(file); TensorScope weights = TensorScope.detached()) {
            Map<String, Supplier<Tensor>> sets = new LinkedHashMap<>();
            sets.put("bf16", () -> Tensor.of(values, 2, 4, 6, 8).to(ElementType.BFLOAT16));
            sets.put("mapped", () -> {
                try {
                    Tensor t = new WeightLoader(src, weights, ElementType.FLOAT32).load("x", 2, 4, 6, 8);
                    if (!t.isReadOnly()) {
                        throw new IllegalStateException("expected a read-only mapped tensor");
                    }
                    return t;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            sets.put("bf16-resident", () -> {
                try {
                    return new WeightLoader(src, weights, ElementType.BFLOAT16).load("x", 2, 4, 6, 8);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (Map.Entry<String, Supplier<Tensor>> set : sets.entrySet()) {
                for (Map.Entry<String, Consumer<Tensor>> op : OPS.entrySet()) {
                    try (TensorScope s = TensorScope.open()) {
                        Tensor x = set.getValue().get();
                        op.getValue().accept(x);
                        System.out.println("OK " + set.getKey() + " " + op.getKey());
                    } catch (RuntimeException e) {
                        System.out.println("REFUSED " + set.getKey() + " " + op.getKey() + " " + describe(e));
                    }
                    System.out.flush();
                }
            }
        }
        unmappedTypes(dir);
        missingDevice(file);
        System.out.println("ALL DONE");
        System.out.flush();
        System.exit(0);
    }

    /** Every public way to name a device refuses one libtorch lacks (cuda:N with N = the GPU count). */
    private static void missingDevice(Path file) throws IOException {
        ComputeDevice missing = ComputeDevice.cuda(TorchRuntime.get().gpuCount());
        Map<String, Runnable> requests = new LinkedHashMap<>();
        requests.put("DeviceScope.use", () -> DeviceScope.use(missing).close());
        requests.put("toDevice", () -> Tensor.of(new float[] {1, 2}, 2).to(ElementType.BFLOAT16).toDevice(missing));
        try (SafetensorsFile src = SafetensorsFile.open(file); TensorScope weights = TensorScope.detached()) {
            requests.put("WeightLoader", () -> new WeightLoader(src, weights, ElementType.BFLOAT16, missing));
            for (Map.Entry<String, Runnable> r : requests.entrySet()) {
                try (TensorScope s = TensorScope.open()) {
                    r.getValue().run();
                    System.out.println("OK missing-device " + r.getKey());
                } catch (RuntimeException e) {
                    System.out.println("REFUSED missing-device " + r.getKey() + " " + describe(e));
                }
                System.out.flush();
            }
        }
    }

    /** Every DJL type, and every safetensors dtype outside F32/F16/BF16/I64, is refused or mapped safely. */
    private static void unmappedTypes(Path dir) throws IOException {
        for (DataType t : DataType.values()) {
            try {
                ElementType e = ElementType.fromDjl(t);
                System.out.println("OK djl-type " + t.name() + " -> " + e);
            } catch (RuntimeException e) {
                System.out.println("REFUSED djl-type " + t.name() + " " + describe(e));
            }
        }
        try {
            ElementType.BFLOAT16.djl();
            System.out.println("OK djl-of BFLOAT16");
        } catch (RuntimeException e) {
            System.out.println("REFUSED djl-of BFLOAT16 " + describe(e));
        }
        for (String tag : new String[] {"I16", "U16", "U32", "U64", "I32", "I8", "U8", "F64", "BOOL", "F8_E4M3"}) {
            Path f = dir.resolve(tag + ".safetensors");
            String header = "{\"w\":{\"dtype\":\"" + tag + "\",\"shape\":[2],\"data_offsets\":[0,16]}}";
            header += " ".repeat((8 - header.length() % 8) % 8);
            byte[] h = header.getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + 16)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h);
            Files.write(f, b.array());
            try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope w = TensorScope.detached()) {
                new WeightLoader(src, w, ElementType.BFLOAT16).load("w", 2).toFloatArray();
                System.out.println("OK file-dtype " + tag);
            } catch (IOException | RuntimeException e) {
                System.out.println("REFUSED file-dtype " + tag + " " + describe(e));
            }
        }
    }

    private static String describe(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }
}
