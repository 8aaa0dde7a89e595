package io.github.jimengstudio.dit;

import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One golden transformer case file (golden README §1.2) and the comparisons its README prescribes. */
final class GoldenCase implements AutoCloseable {

    /** README §1.3: |a−b| ≤ 1e-4 + 1e-4·|b| for outputs and intermediates in float32. */
    static final double ABS = 1e-4;
    static final double REL = 1e-4;
    /** README §1.3: RoPE factors may differ by an ulp when another library computes cos/sin. */
    static final double FREQS_ABS = 1e-6;

    final String folder;
    final String name;
    final SafetensorsFile file;

    GoldenCase(String folder, String name) {
        this.folder = folder;
        this.name = name;
        try {
            file = SafetensorsFile.open(Golden.file(folder + "/" + name + ".safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int items() {
        int n = 0;
        while (file.contains("in.x." + n)) {
            n++;
        }
        if (n == 0) {
            fail(name + " holds no in.x.0");
        }
        return n;
    }

    boolean has(String key) {
        return file.contains(key);
    }

    float[] floats(String key) {
        requirePresent(key);
        try {
            return file.floats(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long[] longs(String key) {
        requirePresent(key);
        try {
            return file.longs(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long[] shape(String key) {
        requirePresent(key);
        try {
            return file.info(key).shape();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void requirePresent(String key) {
        if (!file.contains(key)) {
            fail("golden " + folder + "/" + name + " lacks '" + key + "'");
        }
    }

    void assertMatches(String key, float[] actual) {
        assertWithin(floats(key), actual, ABS, REL, name + " " + key);
    }

    void assertExact(String key, long[] actual) {
        assertArrayEquals(longs(key), actual, name + " " + key);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
