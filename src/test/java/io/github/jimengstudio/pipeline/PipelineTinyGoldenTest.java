package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.sampling.FlowMatchEulerScheduler;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * golden/pipeline-tiny (README.md §4) with the real tiny transformer in the loop: from the golden caption features
 * and the seed, the pipeline's transformer adapter and loop must give the stored latents after every step, within
 * |a − b| ≤ 2e-4 + 2e-4·|b|. The guided case runs the reference's masked batch of two (captions of 45 and 12 tokens).
 */
class PipelineTinyGoldenTest {
    private static WeightSource weights;
    private static ZImageTransformer transformer;

    @BeforeAll
    static void load() throws IOException {
        ZImageTransformerConfig config = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        weights = WeightSources.open(Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
        transformer = ZImageTransformer.load(weights, config, ElementType.FLOAT32);
    }

    @AfterAll
    static void free() throws IOException {
        transformer.close();
        weights.close();
    }

    @ParameterizedTest
    @CsvSource({"turbo_n4_seed42, 42, 0.0, 256, 256", "cfg_n4_seed7_rect, 7, 4.0, 192, 320"})
    void latentsAfterEveryStepMatchTheReference(String name, long seed, double guidance, int height, int width)
            throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("pipeline-tiny/" + name + ".safetensors"));
                TensorScope scope = TensorScope.open()) {
            int h = height / 8;
            int w = width / 8;
            float[] noise = new TorchCpuRandom(seed).randn(1, 16, h, w);
            assertArrayEquals(f.floats("init_latents"), noise);
            long[] capShape = f.info("in.prompt_embeds.0").shape();
            Tensor caption = Tensor.of(f.floats("in.prompt_embeds.0"), capShape);
            Tensor negative = null;
            if (guidance > 0) {
                negative = Tensor.of(f.floats("in.negative_prompt_embeds.0"),
                        f.info("in.negative_prompt_embeds.0").shape());
            }
            FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(ZImagePipeline.TURBO_SCHEDULER);
            scheduler.setTimesteps(4);
            GenerationRequest request = GenerationRequest.builder("p").size(width, height).steps(4)
                    .guidance(guidance).seed(seed).build();
            int[] checked = {0};
            float[] last = DenoisingLoop.of(scheduler, request, "float32").run(noise,
                    new TransformerModel(transformer, caption, negative, h, w, 4, CancellationToken.none()),
                    CancellationToken.none(), (i, velocity, latents) -> {
                        DenoisingLoopGoldenTest.assertClose(read(f, "step." + i + ".noise_pred"), velocity,
                                name + " noise_pred of step " + i);
                        DenoisingLoopGoldenTest.assertClose(read(f, "step." + i + ".latents"), latents,
                                name + " latents after step " + i);
                        checked[0]++;
                    });
            assertEquals(4, checked[0]);
            DenoisingLoopGoldenTest.assertClose(f.floats("final_latents"), last, name + " final latents");
        }
    }

    private static float[] read(SafetensorsFile f, String key) {
        try {
            return f.floats(key);
        } catch (IOException e) {
            throw new AssertionError(key, e);
        }
    }
}
