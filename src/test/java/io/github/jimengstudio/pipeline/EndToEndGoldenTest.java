package io.github.jimengstudio.pipeline;

import static io.github.jimengstudio.testing.Tolerance.assertPixelsMatch;
import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.lora.LoraRejectedException;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * golden/e2e-tiny (README-e2e.md): the complete tiny model folder, found by the {@link ModelLocator} and loaded by
 * exactly the code path of the real model, generates cases a, b, c and d (case a with the LoRA
 * {@code lora-tiny/peft.safetensors} at 0.8, applied as runtime adapters); every stage is compared with §5's
 * tolerances, in order, so a failure names the first stage that diverges.
 */
class EndToEndGoldenTest {
    private static ZImagePipeline pipeline;

    @BeforeAll
    static void load() throws IOException {
        ModelLocation hf = new ModelLocator(Map.of(), Path.of("/nonexistent-home"))
                .locate(Golden.file("e2e-tiny/model"));
        assertEquals(LayoutKind.HF_FOLDER, hf.kind());
        pipeline = ZImagePipeline.load(hf, PipelineOptions.defaults().withDevice(DevicePreference.CPU)
                .withLoraFolder(Golden.file("lora-tiny")));
    }

    @AfterAll
    static void close() throws IOException {
        pipeline.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"case_a", "case_b", "case_c", "case_d"})
    void everyStageMatchesTheReference(String which) throws IOException {
        E2eCase c = E2eCase.named(which);
        GenerationRequest.Builder request = c.request();
        if (which.equals("case_d")) { // case a with lora-tiny/peft.safetensors at 0.8 (README-e2e §8)
            request.loras(List.of(new LoraUse("peft", 0.8)));
        }
        Map<String, float[]> stages = new HashMap<>();
        Map<String, long[]> ids = new HashMap<>();
        GeneratedImage image = pipeline.generate(request.build(), ProgressListener.NONE,
                CancellationToken.none(), new ZImagePipeline.Trace() {
                    @Override
                    public void record(String name, float[] values) {
                        stages.put(name, values.clone());
                    }

                    @Override
                    public void ids(String name, long[] values) {
                        ids.put(name, values.clone());
                    }
                });
        try (SafetensorsFile f = SafetensorsFile.open(c.tensors())) {
            assertArrayEquals(f.longs("token_ids"), ids.get("token_ids"), "token ids");
            assertWithin(f.floats("prompt_embeds"), stages.get("prompt_embeds"), 1e-4, 1e-4, "prompt_embeds");
            if (c.guidance() > 0) {
                assertArrayEquals(f.longs("negative.token_ids"), ids.get("negative.token_ids"), "negative ids");
                assertWithin(f.floats("negative_prompt_embeds"), stages.get("negative_prompt_embeds"), 1e-4, 1e-4,
                        "negative_prompt_embeds");
            }
            assertArrayEquals(f.floats("init_latents"), stages.get("init_latents"), "noise is bit-exact");
            for (int i = 0; i < c.steps(); i++) {
                assertWithin(f.floats("step." + i + ".noise_pred"), stages.get("step." + i + ".noise_pred"), 2e-4,
                        2e-4, "noise_pred of step " + i);
                assertWithin(f.floats("step." + i + ".latents"), stages.get("step." + i + ".latents"), 2e-4, 2e-4,
                        "latents after step " + i);
            }
            assertWithin(f.floats("final_latents"), stages.get("final_latents"), 2e-4, 2e-4, "final_latents");
            assertWithin(f.floats("image"), stages.get("image"), 1e-4, 0, "image (float)");
            assertEquals(c.width(), image.width());
            assertEquals(c.height(), image.height());
            assertPixelsMatch(f.longs("image_uint8"), image.rgb(), c.name() + " image_uint8");
        }
        GenerationRecord r = image.record();
        assertEquals(c.seed(), r.request().seed());
        assertEquals("float32", r.precision());
        assertEquals("cpu", r.device());
        assertEquals(pipeline.location().identity(), r.modelIdentity());
        assertEquals(c.steps(), r.timings().stepMillis().size());
        assertEquals(request.build().loras(), r.request().loras());
    }

    @Test
    void aLoraThatIsNotInTheFolderOrDoesNotFitIsRefusedAndTheBaseModelIsUntouched() throws IOException {
        E2eCase a = E2eCase.named("case_a");
        GenerationRequest.Builder small = a.request().size(128, 128).steps(2);
        byte[] base = pipeline.generate(small.build()).rgb();
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> pipeline.generate(small.loras(List.of(new LoraUse("nosuch", 1.0))).build()));
        assertTrue(missing.getMessage().startsWith("No LoRA named 'nosuch' in "), missing.getMessage());
        // A FLUX LoRA names layers Z-Image does not have: refused when selected, before the first step.
        LoraRejectedException foreign = assertThrows(LoraRejectedException.class,
                () -> pipeline.generate(small.loras(List.of(new LoraUse("flux_foreign", 1.0))).build()));
        assertTrue(foreign.getMessage().startsWith("LoRA 'flux_foreign' was refused and nothing was applied"),
                foreign.getMessage());
        assertArrayEquals(base, pipeline.generate(small.loras(List.of()).build()).rgb(), "base model unchanged");
    }

}
