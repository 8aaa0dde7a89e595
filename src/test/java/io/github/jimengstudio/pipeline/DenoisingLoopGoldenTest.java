package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.sampling.FlowMatchEulerScheduler;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.testing.Tolerance;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * golden/pipeline-tiny (README.md §4) without a transformer: the stored raw transformer outputs are fed to the loop,
 * which must reproduce the model inputs it is asked for (latents, model time), the noise, the guided and negated
 * predictions and the latents after every step.
 */
class DenoisingLoopGoldenTest {

    @ParameterizedTest
    @CsvSource({"turbo_n4_seed42, 42, 0.0, 256, 256", "cfg_n4_seed7_rect, 7, 4.0, 192, 320"})
    void storedModelOutputsGiveTheStoredLatentsAfterEveryStep(String name, long seed, double guidance, int height,
            int width) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("pipeline-tiny/" + name + ".safetensors"))) {
            int h = height / 8;
            int w = width / 8;
            float[] init = new TorchCpuRandom(seed).randn(1, 16, h, w);
            assertArrayEquals(f.floats("init_latents"), init, "noise must be bit-exact");

            FlowMatchEulerScheduler scheduler = FlowMatchEulerScheduler.fromConfigFile(
                    Golden.file("e2e-tiny/model/scheduler/scheduler_config.json"));
            scheduler.setTimesteps(4);
            assertArrayEquals(f.floats("sigmas"), scheduler.sigmas());
            assertArrayEquals(f.floats("timesteps"), scheduler.timesteps());

            GenerationRequest request = GenerationRequest.builder("p").size(width, height).steps(4)
                    .guidance(guidance).seed(seed).build();
            DenoisingLoop loop = DenoisingLoop.of(scheduler, request, "float32");
            int[] calls = {0};
            float[] last = loop.run(init, (latents, t, guided) -> {
                int i = calls[0]++;
                assertEquals(guidance > 0, guided, "guided at step " + i);
                float[] storedT = read(f, "step." + i + ".model_t");
                for (float st : storedT) {
                    assertEquals(st, t, 0f, "model time at step " + i);
                }
                float[] expectedIn = read(f, i == 0 ? "init_latents" : "step." + (i - 1) + ".latents");
                assertClose(expectedIn, latents, "latents entering step " + i);
                float[] out = read(f, "step." + i + ".model_out");
                int n = 16 * h * w;
                return guided ? new float[][] {Arrays.copyOfRange(out, 0, n), Arrays.copyOfRange(out, n, 2 * n)}
                        : new float[][] {out};
            }, CancellationToken.none(), (i, velocity, latents) -> {
                assertClose(read(f, "step." + i + ".noise_pred"), velocity, "noise_pred of step " + i);
                assertClose(read(f, "step." + i + ".latents"), latents, "latents after step " + i);
            });
            assertEquals(4, calls[0]);
            assertClose(f.floats("final_latents"), last, "final latents");
        }
    }

    private static float[] read(SafetensorsFile f, String key) {
        try {
            return f.floats(key);
        } catch (IOException e) {
            throw new AssertionError(key, e);
        }
    }

    /** README.md §4: |a − b| ≤ 2e-4 + 2e-4·|b|. */
    static void assertClose(float[] expected, float[] actual, String what) {
        Tolerance.assertWithin(expected, actual, 2e-4, 2e-4, what);
    }
}
