package io.github.jimengstudio.lora;

import com.google.gson.Gson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds small F32 safetensors LoRA files for tests (names, shapes and values chosen by the test). */
final class TestLoraFiles {

    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    TestLoraFiles put(String name, float[] v, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != v.length) {
            throw new IllegalArgumentException(name + ": " + v.length + " values for shape " + shape.length);
        }
        shapes.put(name, shape);
        values.put(name, v);
        return this;
    }

    /** A [rows, cols] matrix whose values follow a fixed pattern (distinct, exactly representable). */
    TestLoraFiles matrix(String name, int rows, int cols, float seed) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = seed * ((i * 37 + 11) % 23 - 11) / 64f;
        }
        return put(name, v, rows, cols);
    }

    TestLoraFiles scalar(String name, float value) {
        return put(name, new float[] {value});
    }

    TestLoraFiles meta(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    Path write(Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (String name : shapes.keySet()) {
            long bytes = 4L * values.get(name).length;
            header.put(name, Map.of("dtype", "F32", "shape", shapes.get(name),
                    "data_offsets", new long[] {offset, offset + bytes}));
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + pad + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length + pad).put(json);
        for (int i = 0; i < pad; i++) {
            buf.put((byte) ' ');
        }
        for (float[] v : values.values()) {
            for (float x : v) {
                buf.putFloat(x);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, buf.array());
        return file;
    }
}
