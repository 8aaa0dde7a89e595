package io.github.jimengstudio.pipeline;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfFolderLocationTest extends TinyLayoutTest {
    @Test
    void goldenFolderIsFoundWithEveryShardAndConfig() throws Exception {
        Path model = TinyLayouts.goldenHfFolder();
        ModelLocation loc = locator.locate(model);

        assertEquals(LayoutKind.HF_FOLDER, loc.kind());
        assertEquals(model, loc.root());
        ComponentFiles dit = loc.transformer();
        assertTrue(dit.sharded());
        assertEquals(model.resolve("transformer/diffusion_pytorch_model.safetensors.index.json"), dit.weights());
        assertEquals(List.of(model.resolve("transformer/diffusion_pytorch_model-00001-of-00002.safetensors"),
                model.resolve("transformer/diffusion_pytorch_model-00002-of-00002.safetensors")), dit.weightFiles());
        assertEquals(model.resolve("transformer/config.json"), dit.config().orElseThrow());
        assertEquals(KeyNaming.DIFFUSERS, dit.naming());
        ComponentFiles te = loc.textEncoder();
        assertEquals(model.resolve("text_encoder/model.safetensors.index.json"), te.weights());
        assertEquals(List.of(model.resolve("text_encoder/model-00001-of-00002.safetensors"),
                model.resolve("text_encoder/model-00002-of-00002.safetensors")), te.weightFiles());
        assertEquals(KeyNaming.TRANSFORMERS, te.naming());
        ComponentFiles vae = loc.vae();
        assertFalse(vae.sharded());
        assertEquals(List.of(model.resolve("vae/diffusion_pytorch_model.safetensors")), vae.weightFiles());
        assertEquals(model.resolve("vae/config.json"), vae.config().orElseThrow());
        assertEquals(model.resolve("tokenizer"), loc.tokenizerFolder());
        assertEquals(model.resolve("scheduler/scheduler_config.json"), loc.schedulerConfig().orElseThrow());
        assertTrue(loc.identity().matches("hf-folder:model#[0-9a-f]{16}"), loc.identity());
        assertEquals(List.of(), loc.notes());
        assertTrue(loc.describe().contains("(2 shards)"), loc.describe());
    }

    @Test
    void folderOfSingleFileComponentsIsFound() throws Exception {
        Path model = layouts.hfFolderFromComponents(tmp.resolve("zit"));
        ModelLocation loc = locator.locate(model);

        assertEquals(LayoutKind.HF_FOLDER, loc.kind());
        assertEquals(model.resolve("transformer/diffusion_pytorch_model.safetensors"), loc.transformer().weights());
        assertEquals(List.of(loc.transformer().weights()), loc.transformer().weightFiles());
        assertEquals(model.resolve("text_encoder/model.safetensors"), loc.textEncoder().weights());
        assertFalse(loc.textEncoder().sharded());
    }

    @Test
    void identityIsStableAndChangesWhenAWeightFileChanges() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Path vae = model.resolve("vae/diffusion_pytorch_model.safetensors");
        Files.delete(vae);
        Files.copy(layouts.golden("e2e-tiny/model/vae/diffusion_pytorch_model.safetensors"), vae);
        String first = locator.locate(model).identity();
        assertEquals(first, locator.locate(model).identity());

        Files.setLastModifiedTime(vae, FileTime.fromMillis(Files.getLastModifiedTime(vae).toMillis() - 60_000));
        assertNotEquals(first, locator.locate(model).identity());
    }

    @Test
    void missingComponentFolderIsNamed() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        TinyLayouts.deleteTree(model.resolve("vae"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("vae") + ": missing (the VAE folder)");
        assertEquals(1, e.places().size());
        assertEquals(LayoutKind.HF_FOLDER, e.places().get(0).takenFor());
        assertEquals(1, e.places().get(0).problems().size(), e.getMessage());
    }

    @Test
    void missingWeightsAreNamedWithWhatTheFolderHolds() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Files.delete(model.resolve("vae/diffusion_pytorch_model.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("vae") + ": no diffusion_pytorch_model.safetensors"
                + " (or diffusion_pytorch_model.safetensors.index.json) (it holds: config.json)");
    }

    @Test
    void missingConfigIsNamed() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Files.delete(model.resolve("transformer/config.json"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("transformer") + ": no config.json");
    }

    @Test
    void missingShardIsNamedWithItsIndex() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Files.delete(model.resolve("text_encoder/model-00002-of-00002.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("text_encoder/model.safetensors.index.json")
                + ": names shard model-00002-of-00002.safetensors, which is missing");
        assertFalse(e.getMessage().contains("00001-of-00002"), e.getMessage());
    }

    @Test
    void shardNameLeavingTheFolderIsRefused() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        TinyLayouts.overwrite(model.resolve("vae/diffusion_pytorch_model.safetensors.index.json"),
                "{\"weight_map\": {\"decoder.conv_in.weight\": \"../transformer/config.json\"}}");
        Files.delete(model.resolve("vae/diffusion_pytorch_model.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, "tensor 'decoder.conv_in.weight' maps to \"../transformer/config.json\", which is not a shard"
                + " file name beside the index");
    }

    @Test
    void missingTokenizerIsNamed() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Files.delete(model.resolve("tokenizer/tokenizer.json"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("tokenizer") + ": no tokenizer.json");
    }

    @Test
    void wrongClassInModelIndexIsNamed() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        String index = Files.readString(TinyLayouts.goldenHfFolder().resolve("model_index.json"))
                .replace("ZImageTransformer2DModel", "FluxTransformer2DModel");
        TinyLayouts.overwrite(model.resolve("model_index.json"), index);
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("model_index.json")
                + ": names transformer class FluxTransformer2DModel, expected ZImageTransformer2DModel");
    }

    @Test
    void everyProblemIsListedAtOnce() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        Files.delete(model.resolve("model_index.json"));
        TinyLayouts.deleteTree(model.resolve("scheduler"));
        Files.delete(model.resolve("transformer/diffusion_pytorch_model-00001-of-00002.safetensors"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertEquals(3, e.places().get(0).problems().size(), e.getMessage());
        assertMentions(e, model + ": no model_index.json", model.resolve("scheduler") + ": missing (the scheduler folder)",
                "names shard diffusion_pytorch_model-00001-of-00002.safetensors, which is missing");
    }

    @Test
    void brokenModelIndexJsonIsNamed() throws Exception {
        Path model = layouts.hfFolder(tmp.resolve("m"));
        TinyLayouts.overwrite(model.resolve("model_index.json"), "{\"transformer\": [\"diffusers\", ");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(model));
        assertMentions(e, model.resolve("model_index.json") + ": is not valid JSON");
    }

    @Test
    void emptyFolderNonexistentPathAndFileAreRefusedPlainly() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(empty));
        assertMentions(e, empty + ": is empty", ModelLocator.ZIMAGE_REPO, ModelLocator.COMFY_DIT_FILE);

        Path nowhere = tmp.resolve("nowhere");
        e = assertThrows(ModelNotFoundException.class, () -> locator.locate(nowhere));
        assertMentions(e, nowhere + ": does not exist");

        Path file = TinyLayouts.goldenHfFolder().resolve("model_index.json");
        e = assertThrows(ModelNotFoundException.class, () -> locator.locate(file));
        assertMentions(e, file + ": is a file, not a folder; give the folder that holds model_index.json");
    }

    @Test
    void unrelatedFolderSaysWhatEachLayoutWouldNeed() throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "hello");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp));
        assertMentions(e, "no model_index.json (Hugging Face folder)",
                "no models--Tongyi-MAI--Z-Image-Turbo (Hugging Face cache)",
                "no diffusion_models/ or unet/ (ComfyUI models folder) (it holds: notes.txt)");
    }

    @Test
    void modelFolderInsideAModelsFolderIsFound() throws Exception {
        Path models = tmp.resolve("Fiji.app/models");
        layouts.hfFolder(models.resolve(ModelLocator.MODEL_FOLDER_NAME));
        assertEquals(models.resolve(ModelLocator.MODEL_FOLDER_NAME), locator.locate(models).root());
    }
}
