package io.github.jimengstudio.lora;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
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
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        shapes.forEach((name, shape) -> w.add(name, DType.F32, shape, values.get(name)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        w.write(file);
        return file;
    }
}
