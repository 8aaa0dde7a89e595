package io.github.jimengstudio.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.WeightLoader;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import org.junit.jupiter.api.Test;

/**
 * The hooks runtime adapters use: an output adapter, a replaced weight, and reloading the checkpoint's weight; and
 * the packed copy of the weight, which must follow it.
 */
class LinearAdapterTest {

    @Test
    void adapterSeesInputAndOutputAndDetachesCleanly() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                TensorScope weights = TensorScope.detached();
                TensorScope s = TensorScope.open()) {
            Linear lin = Linear.load(new WeightLoader(f, weights, ElementType.FLOAT32), "layers.0.attention.to_q",
                    128, 128, false);
            float[] xv = new float[2 * 128];
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (i % 17 - 8) / 8f;
            }
            Tensor x = Tensor.of(xv, 2, 128);
            float[] base = lin.forward(x).toFloatArray();
            lin.setAdapter((in, y) -> {
                assertSame(x, in);
                return y.add(1f);
            });
            float[] adapted = lin.forward(x).toFloatArray();
            for (int i = 0; i < base.length; i++) {
                assertTrue(adapted[i] == base[i] + 1f);
            }
            lin.setAdapter(null);
            assertArrayEquals(base, lin.forward(x).toFloatArray(), 0f);
        }
    }

    @Test
    void replacedWeightIsUsedAndReloadRestoresTheCheckpointExactly() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                TensorScope weights = TensorScope.detached();
                TensorScope s = TensorScope.open()) {
            Linear lin = Linear.load(new WeightLoader(f, weights, ElementType.FLOAT32), "layers.1.feed_forward.w2",
                    341, 128, false);
            float[] original = f.floats("layers.1.feed_forward.w2.weight");
            Tensor x = Tensor.ones(1, 341);
            float[] base = lin.forward(x).toFloatArray();
            Tensor old = lin.replaceWeight(lin.weight().mul(2f));
            assertFalse(old.isClosed());
            float[] doubled = lin.forward(x).toFloatArray();
            assertTrue(Math.abs(doubled[0] - 2 * base[0]) <= 1e-5f * Math.abs(base[0]) + 1e-6f);
            assertThrows(IllegalArgumentException.class, () -> lin.replaceWeight(Tensor.zeros(128, 340)));
            assertTrue(lin.canReloadWeight());
            lin.reloadWeight().close();
            assertArrayEquals(original, lin.weight().toFloatArray(), 0f);
            assertArrayEquals(base, lin.forward(x).toFloatArray(), 0f);
            assertFalse(new Linear("built", Tensor.zeros(2, 2), null).canReloadWeight());
        }
    }

    @Test
    void aPackedWeightIsKeptPerRowCountAndDroppedWithItsWeight() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                TensorScope weights = TensorScope.detached();
                TensorScope s = TensorScope.open()) {
            Linear lin = Linear.load(new WeightLoader(f, weights, ElementType.FLOAT32), "layers.0.feed_forward.w1",
                    128, 341, false);
            PackedWeight p = lin.packedFor(10, 0);
            assertSame(lin.weight(), p.weight());
            assertSame(p, lin.packedFor(10, 0), "made once for a row count");
            assertSame(p, lin.packed());
            PackedWeight other = lin.packedFor(12, 0);
            assertTrue(p.isClosed(), "the copy for the old count is freed");
            assertEquals(12, other.rows());

            Tensor fused = lin.weight().mul(2f);
            Tensor base = lin.replaceWeight(fused);
            assertTrue(other.isClosed() && !base.isClosed(), "a replaced weight's copy is freed with it");
            assertNull(lin.packed(), "none until asked for");
            PackedWeight ofFused = lin.packedFor(12, 0);
            assertSame(fused, ofFused.weight(), "the new weight is packed on demand");
            Tensor replaced = lin.reloadWeight();
            assertSame(fused, replaced);
            assertTrue(ofFused.isClosed() && !replaced.isClosed(), "reloading frees the fused weight's copy");
            replaced.close();
            assertArrayEquals(f.floats("layers.0.feed_forward.w1.weight"),
                    lin.packedFor(12, 0).weight().toFloatArray());
            PackedWeight last = lin.packed();
            lin.releasePacked();
            assertTrue(last.isClosed());
            assertNull(lin.packed());

            Linear bf16 = new Linear("bf16", lin.weight().to(ElementType.BFLOAT16), null);
            assertNull(bf16.packedFor(12, 0), "only float32 weights are packed");
            assertNull(lin.packedFor(12, Long.MAX_VALUE / 4), "not when the memory to keep free would go");
            System.setProperty("jimeng.memoryLimit", "1"); // no free memory: the layer computes unpacked
            try {
                assertNull(lin.packedFor(12, 0));
            } finally {
                System.clearProperty("jimeng.memoryLimit");
            }
        }
    }
}
