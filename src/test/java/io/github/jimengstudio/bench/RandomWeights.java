package io.github.jimengstudio.bench;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Float32 weights made in Java for benchmarks: each tensor of a name → shape table filled with uniform values of
 * the scale a trained layer has (±sqrt(3/fan_in) for matrices, around 1 for norm gains, small for 1-D vectors),
 * held in direct buffers so the runtime can view them without a copy, as it does a mapped file.
 */
final class RandomWeights implements WeightSource {

    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> data = new LinkedHashMap<>();

    RandomWeights(Map<String, long[]> shapes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] shape = e.getValue();
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            ByteBuffer b = (Boolean.getBoolean("bench.heapWeights") ? ByteBuffer.allocate(Math.toIntExact(4 * n))
                    : ByteBuffer.allocateDirect(Math.toIntExact(4 * n))).order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer f = b.asFloatBuffer();
            String name = e.getKey();
            boolean gain = name.contains("norm") && shape.length == 1;
            double scale = shape.length == 2 ? Math.sqrt(3.0 / shape[shape.length - 1]) : 0.05;
            for (long i = 0; i < n; i++) {
                double u = rnd.nextDouble(-1, 1);
                f.put((float) (gain ? 1 + 0.2 * u : scale * u));
            }
            infos.put(name, new TensorInfo(name, DType.F32, shape, offset, offset + 4 * n));
            data.put(name, b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
            offset += 4 * n;
        }
    }

    long bytes() {
        return data.values().stream().mapToLong(ByteBuffer::capacity).sum();
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(infos.keySet());
    }

    @Override
    public TensorInfo info(String name) throws WeightFileException {
        TensorInfo t = infos.get(name);
        if (t == null) {
            throw new WeightFileException(origin(), name, "not among the random weights");
        }
        return t;
    }

    @Override
    public ByteBuffer data(String name) throws WeightFileException {
        info(name);
        return data.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String origin() {
        return "random weights";
    }

    @Override
    public void close() {
        data.clear();
    }
}
