package io.github.jimengstudio.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraLibraryTest {

    @TempDir
    Path dir;

    private void copyGolden(String file, String as) throws IOException {
        Path target = dir.resolve(as + ".safetensors");
        Files.createDirectories(target.getParent());
        Files.copy(Golden.file("lora-tiny/" + file + ".safetensors"), target);
    }

    @Test
    void scanListsEveryLoraFromItsHeaderWithFormatRankAndTargets() throws IOException {
        copyGolden("kohya", "kohya");
        copyGolden("comfy_fused", "styles/comfy");
        copyGolden("flux_foreign", "flux");
        Files.writeString(dir.resolve("readme.txt"), "not a LoRA");
        Files.writeString(dir.resolve("broken.safetensors"), "truncated");
        LoraLibrary lib = new LoraLibrary(dir);
        LibraryChanges c = lib.rescan();
        assertEquals(List.of("broken", "flux", "kohya", "styles/comfy"), c.added());
        List<LoraInfo> all = lib.entries();
        assertEquals(List.of("broken", "flux", "kohya", "styles/comfy"), all.stream().map(LoraInfo::name).toList());

        LoraInfo kohya = lib.info("kohya");
        assertEquals(LoraFormat.KOHYA, kohya.format());
        assertEquals(Set.of(4), kohya.ranks());
        assertEquals(30, kohya.modules());
        assertTrue(kohya.targets().containsAll(Set.of("attention.to_q", "attention.to_out.0", "feed_forward.w2")),
                kohya.targets().toString());
        assertTrue(kohya.usable());
        assertNull(kohya.foreignHint());

        LoraInfo comfy = lib.info("styles/comfy");
        assertEquals(LoraFormat.COMFYUI, comfy.format());
        assertEquals(Set.of(4, 12), comfy.ranks()); // the stacked qkv has rank 12
        assertTrue(comfy.targets().contains("attention.qkv"));

        assertTrue(lib.info("flux").foreignHint().contains("FLUX"));
        assertTrue(lib.info("broken").problem().startsWith("unreadable"), lib.info("broken").problem());
        assertTrue(lib.info("broken").summary().contains("unreadable"));
    }

    @Test
    void rescanNoticesAddedRemovedAndChangedFilesAndTellsListeners() throws IOException {
        copyGolden("peft", "a");
        copyGolden("kohya", "b");
        LoraLibrary lib = new LoraLibrary(dir);
        BlockingQueue<LibraryChanges> heard = new ArrayBlockingQueue<>(10);
        lib.addListener(heard::add);
        lib.rescan();
        heard.clear();
        assertTrue(lib.rescan().isEmpty(), "nothing changed");
        assertTrue(heard.isEmpty(), "no event for an empty rescan");

        Files.delete(dir.resolve("a.safetensors"));
        copyGolden("diffsynth", "c");
        Files.copy(Golden.file("lora-tiny/peft.safetensors"), dir.resolve("b.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(dir.resolve("b.safetensors"), FileTime.fromMillis(1_000_000));
        LibraryChanges c = lib.rescan();
        assertEquals(List.of("c"), c.added());
        assertEquals(List.of("a"), c.removed());
        assertEquals(List.of("b"), c.changed());
        assertEquals(c, heard.poll());
        assertEquals(LoraFormat.DIFFUSERS_PEFT, lib.info("b").format());
    }

    @Test
    void kohyaTrainingMetadataGivesTriggerWordsAndBaseModel() throws IOException {
        new TestLoraFiles()
                .put("lora_unet_layers_0_attention_to_q.lora_down.weight", new float[512], 4, 128)
                .put("lora_unet_layers_0_attention_to_q.lora_up.weight", new float[512], 128, 4)
                .meta("ss_tag_frequency", "{\"10_inkstyle\": {\"inkstyle\": 40, \" mountain\": 12, \"river\": 3},"
                        + " \"5_more\": {\"mountain\": 30}}")
                .meta("ss_base_model_version", "z_image_turbo")
                .write(dir.resolve("ink.safetensors"));
        new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", new float[512], 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", new float[512], 128, 4)
                .meta("modelspec.trigger_phrase", "watercolor, soft light")
                .meta("modelspec.architecture", "Z-Image-Turbo/lora")
                .write(dir.resolve("wc.safetensors"));
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        LoraInfo ink = lib.info("ink");
        assertEquals(List.of("mountain", "inkstyle", "river"), ink.triggerWords());
        assertEquals("z_image_turbo", ink.baseModel());
        LoraInfo wc = lib.info("wc");
        assertEquals(List.of("watercolor", "soft light"), wc.triggerWords());
        assertEquals("Z-Image-Turbo/lora", wc.baseModel());
        assertTrue(wc.summary().contains("trigger: watercolor, soft light"), wc.summary());
    }

    @Test
    void namesResolveOnlyInsideTheFolder() throws IOException {
        copyGolden("peft", "style");
        copyGolden("kohya", "sub/ink");
        Files.writeString(dir.getParent().resolve("outside.safetensors"), "x");
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        assertEquals(dir.resolve("style.safetensors"), lib.resolve("style"));
        assertEquals(dir.resolve("style.safetensors"), lib.resolve("style.safetensors"));
        assertEquals(dir.resolve("sub/ink.safetensors"), lib.resolve("sub\\ink"));
        assertEquals(dir.resolve("style.safetensors"), lib.resolve("STYLE"), "matched as the list shows names");
        for (String bad : new String[] {"../outside", "sub/../../outside", "/etc/passwd",
                dir.resolve("style").toString(), "C:\\loras\\style", "sub//ink", "./style", "", " "}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lib.resolve(bad), bad);
            assertNotNull(e.getMessage());
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> lib.resolve("nope"));
        assertTrue(missing.getMessage().contains("Available: style, sub/ink"), missing.getMessage());
    }

    @Test
    void loadParsesTheNamedLoraAgainstTheModel() throws IOException {
        copyGolden("diffsynth", "ds");
        LoraLibrary lib = new LoraLibrary(dir);
        LoraTargets targets;
        try (SafetensorsFile model = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"))) {
            targets = LoraTargets.fromWeights(model);
        }
        Lora lora = lib.load("ds", new LoraParser(targets));
        assertEquals("ds", lora.name());
        assertEquals(30, lora.adapters().size());
    }

    @Test
    void aMissingFolderIsAnEmptyLibrary() throws IOException {
        LoraLibrary lib = new LoraLibrary(dir.resolve("not-yet"));
        assertTrue(lib.rescan().isEmpty());
        assertTrue(lib.entries().isEmpty());
    }

    @Test
    void watcherRescansWhenAFileArrives() throws Exception {
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        BlockingQueue<LibraryChanges> heard = new ArrayBlockingQueue<>(10);
        lib.addListener(heard::add);
        try (LoraFolderWatcher w = lib.watch()) {
            copyGolden("peft", "new");
            LibraryChanges c = heard.poll(20, TimeUnit.SECONDS);
            assertNotNull(c, "the watcher did not report the new file");
            assertEquals(List.of("new"), c.added());
        }
    }
}
