package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Functional;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A block runs in one native call, runtime LoRA updates included as low-rank terms; it runs op by op only when an
 * adapter cannot describe its update so. Both paths must give the same numbers.
 */
class BlockPathsTest {

    private static SafetensorsFile file;
    private static ZImageTransformer model;

    @BeforeAll
    static void load() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        file = SafetensorsFile.open(Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
        model = ZImageTransformer.load(file, tiny, ElementType.FLOAT32);
    }

    @AfterAll
    static void free() throws Exception {
        model.close();
        file.close();
    }

    @AfterEach
    void detachAdapters() {
        model.linears().forEach(l -> l.setAdapter(null));
    }

    @Test
    void blocksWithRuntimeAdaptersComputeTheSameValuesOpByOpAsInOneCall() throws Exception {
        try (TensorScope s = TensorScope.open()) {
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
            List<Tensor> opByOp = model.forward(latents, t, captions);
            assertEquals(2, opByOp.size());
            assertEquals(linears.size(), calls.get(), "every linear ran once, through its adapter");
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(oneCall.get(i).toFloatArray(), opByOp.get(i).toFloatArray(), "item " + i);
            }
        }
    }

    @Test
    void idleAdaptersLeaveEveryBlockInOneCall() throws Exception {
        // A LoRA folder attaches an adapter to every linear even when no LoRA is selected: those must not cost the
        // one-call block, nor be called at all.
        try (TensorScope s = TensorScope.open()) {
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
            assertArrayEquals(plain, model.forward(latents, t, captions).get(0).toFloatArray());
            assertEquals(0, calls.get());
        }
    }

    @Test
    void lowRankAdaptersComputeInsideTheOneCallBlockAsTheyDoOpByOp() throws Exception {
        try (TensorScope s = TensorScope.open()) {
            SplittableRandom rnd = new SplittableRandom(13);
            List<Tensor> latents = List.of(random(rnd, 16, 1, 8, 8), random(rnd, 16, 1, 6, 8));
            List<Tensor> captions = List.of(random(rnd, 5, 64), random(rnd, 9, 64));
            float[] t = {0.3f, 0.8f};
            float[] plain = model.forward(latents, t, captions).get(1).toFloatArray();
            List<Linear> linears = model.linears();
            Map<Linear, List<LowRankUpdate>> terms = new HashMap<>();
            for (Linear l : linears) { // rank 3 on every linear, rank 2 on every second as if from a second LoRA
                List<LowRankUpdate> u = new ArrayList<>();
                u.add(new LowRankUpdate(random(rnd, 3, l.inFeatures()).mul(0.1f),
                        random(rnd, l.outFeatures(), 3).mul(0.1f), 0.8f));
                if (terms.size() % 2 == 0) {
                    u.add(new LowRankUpdate(random(rnd, 2, l.inFeatures()).mul(0.1f),
                            random(rnd, l.outFeatures(), 2).mul(0.1f), -0.5f));
                }
                terms.put(l, u);
            }
            AtomicInteger applied = new AtomicInteger();
            // op by op: the adapters add their terms from Java after each linear
            linears.forEach(l -> l.setAdapter((x, y) -> {
                applied.incrementAndGet();
                Tensor out = y;
                for (LowRankUpdate u : terms.get(l)) {
                    out = Functional.addLowRankInPlace(out, x, u.down(), u.up(), u.factor());
                }
                return out;
            }));
            float[] opByOp = model.forward(latents, t, captions).get(1).toFloatArray();
            assertEquals(linears.size(), applied.get());
            // one call: the same terms handed to the block
            linears.forEach(l -> l.setAdapter(new Linear.Adapter() {
                @Override
                public Tensor apply(Tensor x, Tensor y) {
                    applied.incrementAndGet();
                    Tensor out = y;
                    for (LowRankUpdate u : terms.get(l)) {
                        out = Functional.addLowRankInPlace(out, x, u.down(), u.up(), u.factor());
                    }
                    return out;
                }

                @Override
                public List<LowRankUpdate> lowRankTerms() {
                    return terms.get(l);
                }
            }));
            applied.set(0);
            float[] oneCall = model.forward(latents, t, captions).get(1).toFloatArray();
            // only the linears outside the blocks (embedders, adaLN, final layer) went through apply
            int outside = 0;
            for (Linear l : linears) {
                outside += l.name().matches(".*\\.(attention\\.to_(q|k|v|out\\.0)|feed_forward\\.w[123])") ? 0 : 1;
            }
            assertEquals(outside, applied.get());
            assertWithin(opByOp, oneCall, 1e-5);
            double change = 0;
            for (int i = 0; i < plain.length; i++) {
                change = Math.max(change, Math.abs(plain[i] - oneCall[i]));
            }
            assertTrue(change > 1e-3, "the updates change the output");
        }
    }

    /** Every difference within {@code rel} of the largest expected magnitude. */
    static void assertWithin(float[] expected, float[] actual, double rel) {
        double err = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(err <= rel * scale, "max difference " + err + " over max " + scale);
    }

    /** Uniform in ±1.5, row-major. */
    static Tensor random(SplittableRandom rnd, long... shape) {
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
