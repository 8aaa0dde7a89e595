package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same tiny model as ComfyUI single files gives the same pixels as the HF folder: the DiT under ComfyUI names
 * (fused qkv, {@code norm_final}), the text encoder as one {@code qwen_3_4b} file, the VAE under LDM names, the
 * tokenizer beside them, no scheduler config (Turbo defaults).
 */
class LayoutEquivalenceTest {

    @Test
    void comfyUiFilesGiveTheSamePixelsAsTheHuggingFaceFolder(@TempDir Path tmp) throws IOException {
        TinyLayouts layouts = new TinyLayouts(tmp);
        Path models = layouts.fresh().resolve("ComfyUI/models");
        Path model = layouts.golden("e2e-tiny/model");
        TinyLayouts.link(layouts.golden("transformer-tiny-comfy/z_image_tiny_comfy.safetensors"),
                models.resolve("diffusion_models").resolve(ModelLocator.COMFY_DIT_FILE));
        TinyLayouts.link(layouts.golden("vae-tiny-ldm/ae_tiny_ldm.safetensors"),
                models.resolve("vae").resolve(ModelLocator.COMFY_VAE_FILE));
        // ComfyUI's text encoder is one file: the HF folder's two bf16 shards written as one.
        java.nio.file.Files.createDirectories(models.resolve("text_encoders"));
        try (WeightSource shards = WeightSources.open(model.resolve("text_encoder"))) {
            new SafetensorsWriter().addAll(shards).write(models.resolve("text_encoders")
                    .resolve(ModelLocator.COMFY_TE_FILE));
        }
        layouts.tokenizer(models.resolve("tokenizer"));

        ModelLocation comfy = ZImagePipelineTest.locate(models.getParent());
        assertEquals(LayoutKind.COMFYUI, comfy.kind());
        assertTrue(comfy.transformer().config().isEmpty() && comfy.schedulerConfig().isEmpty());
        // The tiny VAE's norm_num_groups (4) cannot be read off shapes, and ComfyUI assumes the FLUX VAE: give it
        // the tiny config. The transformer's and the text encoder's configurations are inferred from the shapes.
        ComponentFiles vae = comfy.vae();
        ModelLocation withVaeConfig = new ModelLocation(comfy.kind(), comfy.root(), comfy.identity(),
                comfy.transformer(), comfy.textEncoder(), new ComponentFiles(vae.name(), vae.weights(),
                        vae.weightFiles(), Optional.of(layouts.golden("vae-tiny/config.json")), vae.naming()),
                comfy.tokenizerFolder(), comfy.schedulerConfig(), comfy.notes());

        E2eCase c = E2eCase.named("case_c"); // guidance: both captions through the text encoder
        GenerationRequest request = c.request().size(128, 128).build();
        byte[] fromHf;
        try (ZImagePipeline p = ZImagePipeline.load(ZImagePipelineTest.locate(model), PipelineOptions.defaults())) {
            fromHf = p.generate(request).rgb();
        }
        try (ZImagePipeline p = ZImagePipeline.load(withVaeConfig, PipelineOptions.defaults())) {
            GeneratedImage fromComfy = p.generate(request);
            assertArrayEquals(fromHf, fromComfy.rgb());
            assertTrue(fromComfy.record().modelIdentity().startsWith("comfyui:"), fromComfy.record().modelIdentity());
        }
    }
}
