package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.Half;
import io.github.jimengstudio.tensor.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightLoaderTest {

    @TempDir
    Path dir;

    private static float[] widenedBf16(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Half.bf16ToFloat(Half.floatToBf16(v[i]));
        }
        return out;
    }

    private static float[] widenedF16(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Half.f16ToFloat(Half.floatToF16(v[i]));
        }
        return out;
    }

    @Test
    void float32WeightsViewTheMappingAndCopyBeforeAnInPlaceWrite() throws IOException {
        float[] w = Ref.random(60, 12);
        Path f = new TestSafetensors().floats("w", "F32", w, 3, 4).write(dir.resolve("a.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            WeightLoader loader = new WeightLoader(src, model, ElementType.FLOAT32);
            Tensor t = loader.load("w", 3, 4);
            assertTrue(t.isReadOnly(), "zero-copy over the read-only mapping");
            assertEquals(1, model.size());
            assertArrayEquals(w, t.toFloatArray());
            Tensor view = t.reshape(12);
            assertTrue(view.isReadOnly(), "views of the mapping are protected too");
            view.addInPlace(Tensor.ones(12)); // would be a SIGSEGV without the copy
            assertFalse(view.isReadOnly());
            float[] plusOne = view.toFloatArray();
            for (int i = 0; i < 12; i++) {
                assertEquals(w[i] + 1, plusOne[i]);
            }
            assertArrayEquals(w, t.toFloatArray(), "the mapped weight is unchanged");
            t.mulInPlace(Tensor.full(2f, 1));
            assertEquals(2 * w[5], t.toFloatArray()[5]);
            view.close();
        }
    }

    @Test
    void misalignedFloat32IsCopiedIntoTorchMemory() throws IOException {
        float[] w = Ref.random(61, 10);
        Path f = new TestSafetensors().floats("w", "F32", w, 10).headerPadding(1).write(dir.resolve("m.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            Tensor t = new WeightLoader(src, model, ElementType.FLOAT32).load("w", 10);
            assertFalse(t.isReadOnly());
            assertArrayEquals(w, t.toFloatArray());
        }
    }

    @Test
    void halfPrecisionWeightsAreWidenedExactly() throws IOException {
        float[] w = Ref.random(62, 40);
        Path f = new TestSafetensors().floats("b", "BF16", w, 5, 8).floats("h", "F16", w, 40)
                .write(dir.resolve("h.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            WeightLoader loader = new WeightLoader(src, model, ElementType.FLOAT32);
            Tensor b = loader.load("b", 5, 8);
            assertEquals(ElementType.FLOAT32, b.type());
            assertArrayEquals(widenedBf16(w), b.toFloatArray());
            assertArrayEquals(widenedF16(w), loader.load("h", 40).toFloatArray());
        }
    }

    @Test
    void bf16ResidencyRoundsToNearestEvenChunkByChunk() throws IOException {
        float[] w = Ref.random(63, 1000);
        Path f = new TestSafetensors().floats("f32", "F32", w, 10, 100).floats("bf16", "BF16", w, 1000)
                .floats("f16", "F16", w, 1000).write(dir.resolve("r.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            WeightLoader loader = new WeightLoader(src, model, ElementType.BFLOAT16, ComputeDevice.CPU, 300); // 4 chunks, last partial
            Tensor a = loader.load("f32", 10, 100);
            assertEquals(ElementType.BFLOAT16, a.type());
            assertArrayEquals(new long[] {10, 100}, a.shape());
            assertArrayEquals(widenedBf16(w), a.toFloatArray());
            assertArrayEquals(widenedBf16(w), loader.load("bf16", 1000).toFloatArray(), "bf16 stays bit-exact");
            assertArrayEquals(widenedBf16(widenedF16(w)), loader.load("f16", 1000).toFloatArray());
            assertEquals(3, model.size());
        }
    }

    @Test
    void refusesAWrongShapeNamingTheTensorAndBothShapes() throws IOException {
        Path f = new TestSafetensors().floats("layers.0.w", "F32", new float[6], 2, 3).write(dir.resolve("s.safetensors"));
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            WeightLoader loader = new WeightLoader(src, model, ElementType.FLOAT32);
            IOException e = assertThrows(IOException.class, () -> loader.load("layers.0.w", 3, 2));
            assertTrue(e.getMessage().contains("layers.0.w") && e.getMessage().contains("[2, 3]")
                    && e.getMessage().contains("[3, 2]"), e.getMessage());
            IOException missing = assertThrows(IOException.class, () -> loader.load("nope", 1));
            assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
            assertEquals(0, model.size());
        }
    }

    @Test
    void loadsIntegerTensorsAsInt64AndClosesWithTheOwner() throws IOException {
        Path f = new TestSafetensors().longs("ids", new long[] {1, -2, 3}, 3).write(dir.resolve("i.safetensors"));
        Tensor t;
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            t = new WeightLoader(src, model, ElementType.BFLOAT16).load("ids", 3);
            assertEquals(ElementType.INT64, t.type());
            assertArrayEquals(new long[] {1, -2, 3}, t.toLongArray());
        }
        assertTrue(t.isClosed(), "closing the model's scope frees its weights");
    }
}
