package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.sampling.FlowMatchEulerScheduler;
import io.github.jimengstudio.sampling.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop's rules that the golden cases do not exercise: truncation, normalisation, NaN, cancel. */
class DenoisingLoopTest {

    private static FlowMatchEulerScheduler turbo(int steps) {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.withShift(1000, 3.0));
        s.setTimesteps(steps);
        return s;
    }

    @Test
    void cfgTruncationTurnsGuidanceOffOnceTheModelTimePassesIt() {
        // 4 steps: model times 0, 0.1, 0.25, 0.5. Truncation 0.2 keeps guidance for the first two only.
        DenoisingLoop loop = new DenoisingLoop(turbo(4), 3.0, 0.2, 0, "float32");
        assertEquals(3f, loop.guidanceAt(0));
        assertEquals(3f, loop.guidanceAt(1));
        assertEquals(0f, loop.guidanceAt(2));
        assertEquals(0f, loop.guidanceAt(3));
        List<Boolean> guided = new ArrayList<>();
        loop.run(new float[] {1f}, (x, t, g) -> {
            guided.add(g);
            return g ? new float[][] {{1f}, {0f}} : new float[][] {{1f}};
        }, CancellationToken.none(), (i, v, x) -> {});
        assertEquals(List.of(true, true, false, false), guided);
        // Truncation 1.0 (the default) guides every step; guidance 0 never does.
        assertEquals(3f, new DenoisingLoop(turbo(4), 3.0, 1.0, 0, "float32").guidanceAt(3));
        assertEquals(0f, new DenoisingLoop(turbo(4), 0.0, 1.0, 0, "float32").guidanceAt(0));
    }

    @Test
    void guidanceIsPosPlusScaleTimesPosMinusNegInFloat32() {
        float[] pred = DenoisingLoop.combine(new float[] {1f, 2f}, new float[] {0.5f, 3f}, 4f, 0);
        assertArrayEquals(new float[] {1f + 4f * 0.5f, 2f + 4f * -1f}, pred);
    }

    @Test
    void cfgNormalizationCapsTheNormAtAMultipleOfThePositiveNorm() {
        float[] pos = {3f, 4f};       // norm 5
        float[] neg = {0f, 0f};
        float[] pred = DenoisingLoop.combine(pos, neg, 1f, 1.2); // unnormalised (6, 8), norm 10 > 1.2·5
        assertEquals(6f, DenoisingLoop.norm(pred), 1e-6f);
        assertEquals(0.6f, pred[0] / pred[1] * 0.8f, 1e-6f); // direction kept: 6:8
        float[] loose = DenoisingLoop.combine(pos, neg, 1f, 3.0); // 10 < 15: unchanged
        assertArrayEquals(new float[] {6f, 8f}, loose);
    }

    @Test
    void aNanPredictionStopsTheRunNamingTheStepAndSuggestingFloat32() {
        DenoisingLoop loop = new DenoisingLoop(turbo(8), 0, 1, 0, "bfloat16");
        int[] steps = {0};
        NonFiniteValuesException e = assertThrows(NonFiniteValuesException.class, () -> loop.run(new float[4],
                (x, t, g) -> new float[][] {steps[0]++ == 2 ? new float[] {0f, Float.NaN, 1f, Float.POSITIVE_INFINITY}
                        : new float[4]}, CancellationToken.none(), (i, v, x) -> {}));
        assertEquals(3, e.step());
        assertEquals(Stage.DENOISING, e.stage());
        assertTrue(e.getMessage().startsWith("Step 3 of 8: the transformer's prediction has 2 NaN or infinite values"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--precision float32"), e.getMessage());
    }

    @Test
    void cancellingStopsBeforeTheNextStep() {
        CancellationToken cancel = new CancellationToken();
        List<Integer> done = new ArrayList<>();
        DenoisingLoop loop = new DenoisingLoop(turbo(8), 0, 1, 0, "float32");
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                () -> loop.run(new float[2], (x, t, g) -> new float[][] {new float[2]}, cancel, (i, v, x) -> {
                    done.add(i);
                    if (i == 2) {
                        cancel.cancel();
                    }
                }));
        assertEquals(List.of(0, 1, 2), done);
        assertEquals("Generation cancelled before step 4 of 8.", e.getMessage());
    }

    @Test
    void theInitialLatentsAreNotModifiedAndAWrongOutputSizeIsReported() {
        float[] init = {1f, 2f};
        DenoisingLoop loop = new DenoisingLoop(turbo(2), 0, 1, 0, "float32");
        float[] out = loop.run(init, (x, t, g) -> new float[][] {{1f, 1f}}, CancellationToken.none(), (i, v, x) -> {});
        assertArrayEquals(new float[] {1f, 2f}, init);
        assertFalse(out[0] == 1f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.run(init,
                (x, t, g) -> new float[][] {{1f}}, CancellationToken.none(), (i, v, x) -> {}));
        assertEquals("the transformer returned 1 values for a latent of 2", e.getMessage());
    }
}
