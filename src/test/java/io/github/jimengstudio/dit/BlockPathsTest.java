package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A block runs in one native call unless a runtime adapter (LoRA) sits on one of its linears; then it runs op by op
 * so the adapters can add to the linears' outputs. Both paths must give the same numbers.
 */
class BlockPathsTest {

    @Test
    void blocksWithRuntimeAdaptersComputeTheSameValuesOpByOpAsInOneCall() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer model = ZImageTransformer.load(f, tiny, ElementType.FLOAT32);
                TensorScope s = TensorScope.open()) {
            SplittableRandom rnd = new SplittableRandom(11);
            // two items of different lengths: the batch needs key masks, so the masked path is covered too
            List<Tensor> latents = List.of(random(rnd, 16, 1, 8, 8), random(rnd, 16, 1, 6, 8));
            List<Tensor> captions = List.of(random(rnd, 5, 64), random(rnd, 9, 64));
            float[] t = {0.3f, 0.8f};
            List<Tensor> oneCall = model.forward(latents, t, captions);

            List<Linear> linears = model.linears();
            AtomicInteger calls = new AtomicInteger();
            linears.forEach(l -> l.setAdapter((x, y) -> { // adds nothing, but forces the op-by-op path
                calls.incrementAndGet();
                return y;
            }));
            try {
                List<Tensor> opByOp = model.forward(latents, t, captions);
                assertEquals(2, opByOp.size());
                assertEquals(linears.size(), calls.get(), "every linear ran once, through its adapter");
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(oneCall.get(i).toFloatArray(), opByOp.get(i).toFloatArray(), "item " + i);
                }
            } finally {
                linears.forEach(l -> l.setAdapter(null));
            }
        }
    }

    @Test
    void idleAdaptersLeaveEveryBlockInOneCall() throws Exception {
        // A LoRA folder attaches an adapter to every linear even when no LoRA is selected: those must not cost the
        // one-call block, nor be called at all.
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer model = ZImageTransformer.load(f, tiny, ElementType.FLOAT32);
                TensorScope s = TensorScope.open()) {
            SplittableRandom rnd = new SplittableRandom(12);
            List<Tensor> latents = List.of(random(rnd, 16, 1, 8, 8));
            List<Tensor> captions = List.of(random(rnd, 7, 64));
            float[] t = {0.5f};
            float[] plain = model.forward(latents, t, captions).get(0).toFloatArray();
            AtomicInteger calls = new AtomicInteger();
            List<Linear> linears = model.linears();
            linears.forEach(l -> l.setAdapter(new Linear.Adapter() {
                @Override
                public Tensor apply(Tensor x, Tensor y) {
                    calls.incrementAndGet();
                    return y.mul(2f); // would show if it were called
                }

                @Override
                public boolean idle() {
                    return true;
                }
            }));
            try {
                assertArrayEquals(plain, model.forward(latents, t, captions).get(0).toFloatArray());
                assertEquals(0, calls.get());
            } finally {
                linears.forEach(l -> l.setAdapter(null));
            }
        }
    }

    private static Tensor random(SplittableRandom rnd, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(-1.5, 1.5);
        }
        return Tensor.of(v, shape);
    }
}
