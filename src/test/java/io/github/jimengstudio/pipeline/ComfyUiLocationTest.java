package io.github.jimengstudio.pipeline;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ComfyUiLocationTest extends TinyLayoutTest {
    @Test
    void modelsFolderGivesSingleFilesWithInferredConfigsAndTurboScheduler() throws Exception {
        Path models = layouts.comfyModelsWithTokenizer(tmp.resolve("ComfyUI/models"));
        ModelLocation loc = locator.locate(models);

        assertEquals(LayoutKind.COMFYUI, loc.kind());
        assertEquals(models, loc.root());
        ComponentFiles dit = loc.transformer();
        assertEquals(models.resolve("diffusion_models/z_image_turbo_bf16.safetensors"), dit.weights());
        assertEquals(List.of(dit.weights()), dit.weightFiles());
        assertEquals(KeyNaming.COMFYUI_DIT, dit.naming());
        assertEquals(models.resolve("text_encoders/qwen_3_4b.safetensors"), loc.textEncoder().weights());
        assertEquals(KeyNaming.TRANSFORMERS, loc.textEncoder().naming());
        assertEquals(models.resolve("vae/ae.safetensors"), loc.vae().weights());
        assertEquals(KeyNaming.LDM_VAE, loc.vae().naming());
        for (ComponentFiles c : loc.components()) {
            assertTrue(c.configFromShapes(), c.name());
        }
        assertEquals(Optional.empty(), loc.schedulerConfig());
        assertEquals(models.resolve("tokenizer"), loc.tokenizerFolder());
        assertTrue(loc.notes().contains("scheduler: ComfyUI files carry no scheduler config; the Turbo defaults apply"
                + " (FlowMatchEulerDiscreteScheduler, shift 3.0)"), loc.notes().toString());
        assertTrue(loc.notes().contains("tokenizer: " + models.resolve("tokenizer") + " (ComfyUI files carry none)"));
        assertTrue(loc.identity().matches(
                "comfyui:z_image_turbo_bf16\\.safetensors\\+qwen_3_4b\\.safetensors\\+ae\\.safetensors#[0-9a-f]{16}"),
                loc.identity());
        assertTrue(loc.describe().contains("inferred from tensor shapes"), loc.describe());
        assertTrue(loc.describe().contains("Turbo defaults (FlowMatchEulerDiscreteScheduler, shift 3.0)"));

        // The ComfyUI install folder above models/ is accepted too.
        assertEquals(models, locator.locate(tmp.resolve("ComfyUI")).root());
    }

    @Test
    void olderFolderNamesUnetAndClipAreHonoured() throws Exception {
        Path models = layouts.comfyModels(tmp, "unet", "clip");
        layouts.tokenizer(models.resolve("clip/qwen_3_4b_tokenizer"));
        ModelLocation loc = locator.locate(models);
        assertEquals(models.resolve("unet/z_image_turbo_bf16.safetensors"), loc.transformer().weights());
        assertEquals(models.resolve("clip/qwen_3_4b.safetensors"), loc.textEncoder().weights());
        assertEquals(models.resolve("clip/qwen_3_4b_tokenizer"), loc.tokenizerFolder());
    }

    @Test
    void filesInSubfoldersAreFoundAndTheCanonicalNameIsPreferred() throws Exception {
        Path models = layouts.comfyModelsWithTokenizer(tmp);
        Path dit = models.resolve("diffusion_models/z_image_turbo_bf16.safetensors");
        Path nested = models.resolve("diffusion_models/zimage/z_image_turbo_a_finetune.safetensors");
        TinyLayouts.link(layouts.golden("transformer-tiny-comfy/z_image_tiny_comfy.safetensors"), nested);
        TinyLayouts.link(layouts.golden("transformer-tiny-comfy/z_image_tiny_comfy.safetensors"),
                models.resolve("diffusion_models/z_image_turbo_fp8_e4m3fn.safetensors"));
        ModelLocation loc = locator.locate(models);
        assertEquals(dit, loc.transformer().weights());
        assertTrue(loc.notes().contains("the DiT: using " + dit + "; also found z_image_turbo_a_finetune.safetensors"),
                loc.notes().toString());
        assertTrue(loc.notes().contains("the DiT: passed over z_image_turbo_fp8_e4m3fn.safetensors (fp8 is not supported)"));

        Files.delete(dit);
        assertEquals(nested, locator.locate(models).transformer().weights());

        Files.delete(nested);
        Files.createSymbolicLink(nested, models.resolve("gone.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(models));
        assertMentions(e, nested + ": is a link to a missing file (it points to " + models.resolve("gone.safetensors"),
                "only fp8 files (z_image_turbo_fp8_e4m3fn.safetensors)");
    }

    @Test
    void onlyFp8FilesAreRefusedWithTheFileToGet() throws Exception {
        Path models = layouts.comfyModelsWithTokenizer(tmp);
        Path te = models.resolve("text_encoders/qwen_3_4b.safetensors");
        Files.move(te, models.resolve("text_encoders/qwen_3_4b_fp8_scaled.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(models));
        assertMentions(e, models.resolve("text_encoders") + ": only fp8 files (qwen_3_4b_fp8_scaled.safetensors), which"
                + " this engine cannot read; get qwen_3_4b.safetensors (the text encoder)");
    }

    @Test
    void tokenizerIsTakenFromTheQwenHubCache() throws Exception {
        Path models = layouts.comfyModels(tmp.resolve("models"), "diffusion_models", "text_encoders");
        Path hub = tmp.resolve("hub");
        Path qwen = hub.resolve("models--Qwen--Qwen3-4B");
        layouts.tokenizer(qwen.resolve("snapshots/abc"));
        TinyLayouts.writeRef(qwen, "abc");
        ModelLocator withCache = new ModelLocator(Map.of("HF_HUB_CACHE", hub.toString()), tmp.resolve("home"));
        ModelLocation loc = withCache.locate(models);
        assertEquals(qwen.resolve("snapshots/abc"), loc.tokenizerFolder());
        assertTrue(loc.notes().contains("tokenizer: " + qwen.resolve("snapshots/abc")
                + " (from the Hugging Face cache of Qwen/Qwen3-4B; ComfyUI files carry none)"), loc.notes().toString());
    }

    @Test
    void missingTokenizerListsEveryPlaceAndTheDownloadCommand() throws Exception {
        Path models = layouts.comfyModels(tmp, "diffusion_models", "text_encoders");
        Path hub = tmp.resolve("no-hub");
        ModelLocator withCache = new ModelLocator(Map.of("HF_HUB_CACHE", hub.toString()), tmp.resolve("home"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> withCache.locate(models));
        assertEquals(1, e.places().get(0).problems().size(), e.getMessage());
        assertMentions(e, "no tokenizer (ComfyUI files carry none): no tokenizer.json in "
                + models.resolve("text_encoders/qwen_3_4b_tokenizer") + ", " + models.resolve("text_encoders/tokenizer")
                + ", " + models.resolve("tokenizer") + ", nor in the Hugging Face caches of Tongyi-MAI/Z-Image-Turbo"
                + " (tokenizer/) or Qwen/Qwen3-4B under " + hub + ", " + tmp.resolve("home/.cache/huggingface/hub"),
                "get it with: hf download Tongyi-MAI/Z-Image-Turbo --include \"tokenizer/*\" --local-dir " + models);
    }

    @Test
    void eachMissingFileIsNamed() throws Exception {
        Path models = layouts.comfyModels(tmp, "diffusion_models", "text_encoders");
        Files.delete(models.resolve("vae/ae.safetensors"));
        TinyLayouts.deleteTree(models.resolve("text_encoders"));
        Files.delete(models.resolve("diffusion_models/z_image_turbo_bf16.safetensors"));
        Files.writeString(models.resolve("diffusion_models/flux1-dev.safetensors"), "x");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(models));
        assertEquals(LayoutKind.COMFYUI, e.places().get(0).takenFor());
        assertMentions(e,
                models.resolve("diffusion_models") + ": no z_image_turbo*.safetensors (the DiT) (it holds: flux1-dev.safetensors)",
                models + ": no text_encoders/ or clip/ folder, which should hold qwen_3_4b.safetensors (the text encoder)",
                models.resolve("vae") + ": no ae.safetensors (the VAE) (the folder is empty)",
                "no tokenizer (ComfyUI files carry none)");
    }
}
