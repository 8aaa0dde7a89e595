package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSearchTest extends TinyLayoutTest {
    @Test
    void hubCachesFollowHuggingFaceVariablesMostSpecificFirst() {
        Path home = Path.of("/home/u");
        Map<String, String> env = Map.of("HF_HUB_CACHE", "/fast/hub", "HUGGINGFACE_HUB_CACHE", "/fast/hub",
                "HF_HOME", "~/hf", "XDG_CACHE_HOME", "/xdg");
        assertEquals(List.of(Path.of("/fast/hub"), Path.of("/home/u/hf/hub"), Path.of("/xdg/huggingface/hub"),
                Path.of("/home/u/.cache/huggingface/hub")), ModelLocator.hubCaches(env, home));
        assertEquals(List.of(Path.of("/home/u/.cache/huggingface/hub")),
                ModelLocator.hubCaches(Map.of("HF_HOME", " "), home));
    }

    @Test
    void defaultCandidatesAreGivenFoldersThenCachesThenComfyUi() {
        ModelLocator locator = new ModelLocator(Map.of("HF_HOME", "/hf"), Path.of("/home/u"));
        assertEquals(List.of(Path.of("/data/zit"), Path.of("/Fiji.app/models"), Path.of("/hf/hub"),
                Path.of("/home/u/.cache/huggingface/hub"), Path.of("/home/u/ComfyUI/models"),
                Path.of("/home/u/Documents/ComfyUI/models"), Path.of("/home/u/ComfyUI_windows_portable/ComfyUI/models")),
                locator.defaultCandidates(Path.of("/data/zit"), null, Path.of("/Fiji.app/models")));
    }

    @Test
    void jimengModelComesFirstThenTheFrontEndsOwnFolderThenFijiInstallsAndCaches() {
        Path home = Path.of("/home/u");
        ModelSearch search = new ModelSearch(Map.of("JIMENG_MODEL", "/data/zit", "HF_HOME", "/hf"), home);
        List<Path> places = search.places(Path.of("/opt/MyFiji.app/models"));
        assertEquals(List.of(Path.of("/data/zit"), Path.of("/opt/MyFiji.app/models"),
                Path.of("/home/u/Fiji.app/models")), places.subList(0, 3));
        assertTrue(places.contains(Path.of("/hf/hub")), places.toString());
        assertEquals(Path.of("/home/u/Fiji.app/models"), new ModelSearch(Map.of(), home).places().get(0));
    }

    @Test
    void searchReturnsTheFirstCompleteLayout() throws Exception {
        Path incomplete = layouts.comfyModels(tmp.resolve("comfy"), "diffusion_models", "text_encoders");
        Path hf = layouts.hfFolder(tmp.resolve("hf"));
        Path hf2 = layouts.hfFolder(tmp.resolve("hf2"));
        ModelLocator locator = new ModelLocator(Map.of(), tmp.resolve("home"));
        ModelLocation loc = locator.search(List.of(tmp.resolve("missing"), incomplete, hf, hf2));
        assertEquals(hf, loc.root());
    }

    @Test
    void defaultSearchFindsTheModelInTheUsersCache() throws Exception {
        Path home = tmp.resolve("home");
        layouts.cachedSnapshot(home.resolve(".cache/huggingface/hub"), "abc", true);
        ModelLocator locator = new ModelLocator(Map.of(), home);
        ModelLocation loc = locator.search(locator.defaultCandidates(tmp.resolve("Fiji.app/models")));
        assertEquals(LayoutKind.HF_CACHE, loc.kind());
        assertEquals("Tongyi-MAI/Z-Image-Turbo@abc", loc.identity());
    }

    @Test
    void failedSearchSaysWhereItLookedWhatWasMissingAndHowToGetTheModel() throws Exception {
        Path home = tmp.resolve("home");
        Path comfy = layouts.comfyModelsWithTokenizer(home.resolve("ComfyUI/models"));
        Files.delete(comfy.resolve("vae/ae.safetensors"));
        Path hub = Files.createDirectories(home.resolve(".cache/huggingface/hub/models--Qwen--Qwen3-4B")).getParent();
        Path fiji = Files.createDirectories(tmp.resolve("Fiji.app/models"));
        ModelLocator locator = new ModelLocator(Map.of(), home);

        ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
                () -> locator.search(locator.defaultCandidates(fiji)));

        List<ModelNotFoundException.Place> places = e.places();
        assertEquals(locator.defaultCandidates(fiji), places.stream().map(ModelNotFoundException.Place::path).toList());
        assertEquals(List.of(fiji + " is empty"), describe(places.get(0)));
        assertEquals(LayoutKind.HF_CACHE, places.get(1).takenFor());
        assertEquals(LayoutKind.COMFYUI, places.get(2).takenFor());
        assertEquals(List.of(comfy.resolve("vae") + ": no ae.safetensors (the VAE) (the folder is empty)"),
                places.get(2).problems());
        assertNull(places.get(3).takenFor());
        assertEquals(List.of("does not exist"), places.get(3).problems());
        String message = e.getMessage();
        assertTrue(message.startsWith("No complete Z-Image-Turbo model found. Looked in:\n  " + fiji + ": is empty\n  "
                + hub + " (Hugging Face cache):\n    - " + hub + ": holds no models--Tongyi-MAI--Z-Image-Turbo"), message);
        assertTrue(message.contains("\n  " + home.resolve("Documents/ComfyUI/models") + ": does not exist\n"), message);
        assertTrue(message.contains("hf download Tongyi-MAI/Z-Image-Turbo --local-dir <folder>"), message);
        assertTrue(message.contains("diffusion_models/z_image_turbo_bf16.safetensors, text_encoders/qwen_3_4b.safetensors"
                + " and vae/ae.safetensors"), message);
    }

    private static List<String> describe(ModelNotFoundException.Place p) {
        return p.problems().stream().map(problem -> p.path() + " " + problem).toList();
    }
}
