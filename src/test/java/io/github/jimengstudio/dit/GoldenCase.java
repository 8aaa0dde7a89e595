package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** Worst |a−b| over the tolerance; fails naming the first element out of bounds. */
    static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (|diff| " + Math.abs(a - e)
                        + " > " + (abs + rel * Math.abs(e)) + ")");
            }
        }
    }

    void assertMatches(String key, float[] actual) {
        assertClose(floats(key), actual, ABS, REL, name + " " + key);
    }

    void assertExact(String key, long[] actual) {
        assertArrayEquals(longs(key), actual, name + " " + key);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
