package io.github.jimengstudio.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraManagerTest {

    @TempDir
    Path dir;

    private LoraManager manager(long cacheBytes, String... files) throws IOException {
        for (String f : files) {
            Files.copy(Golden.file("lora-tiny/" + f + ".safetensors"), dir.resolve(f + ".safetensors"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        return new LoraManager(lib, LoraTiny.TARGETS, ElementType.FLOAT32, cacheBytes);
    }

    private static float[] out(LoraManager m, float[] x) throws IOException {
        return LoraTiny.forward(m.adapters(), "layers.0.feed_forward.w1.weight", x, 3);
    }

    @Test
    void switchingByNameAppliesTheLoraAndWarmSwitchesReuseTheUpload() throws IOException {
        try (LoraManager m = manager(LoraManager.DEFAULT_CACHE_BYTES, "kohya", "comfy_fused")) {
            float[] x = LoraTiny.input(3, 128);
            m.select(List.of(new LoraSelection("kohya", 0.5)));
            LoraTiny.assertClose(LoraTiny.merged("layers.0.feed_forward.w1.weight", x, 3, 0.5f),
                    out(m, x), "kohya by name");
            DeviceLora first = m.adapters().active().get(0).lora();
            m.select(List.of(new LoraSelection("comfy_fused", 1.0)));
            m.select(List.of(new LoraSelection("kohya", 1.0)));
            assertSame(first, m.adapters().active().get(0).lora(), "warm switch: no second upload");
            m.select(List.of(new LoraSelection("kohya", 1.0), new LoraSelection("comfy_fused", -1.0)));
            assertEquals(2, m.adapters().active().size());
        }
    }

    @Test
    void aRefusedLoraChangesNothingAndTheNextBaseOutputIsBitIdentical() throws IOException {
        try (LoraManager m = manager(LoraManager.DEFAULT_CACHE_BYTES, "kohya", "flux_foreign")) {
            float[] x = LoraTiny.input(3, 128);
            float[] base = out(m, x);
            m.select(List.of(new LoraSelection("kohya", 1.0)));
            float[] withKohya = out(m, x);
            LoraRejectedException e = assertThrows(LoraRejectedException.class,
                    () -> m.select(List.of(new LoraSelection("flux_foreign", 1.0))));
            assertTrue(e.getMessage().contains("FLUX"));
            assertArrayEquals(withKohya, out(m, x), 0f, "the previous LoRA stays active");
            m.select(List.of());
            assertThrows(LoraRejectedException.class,
                    () -> m.select(List.of(new LoraSelection("kohya", 1.0), new LoraSelection("flux_foreign", 1.0))));
            assertTrue(m.adapters().active().isEmpty(), "nothing half-applied");
            assertArrayEquals(base, out(m, x), 0f);
        }
    }

    @Test
    void strengthZeroChecksTheNameButUploadsNothing() throws IOException {
        try (LoraManager m = manager(LoraManager.DEFAULT_CACHE_BYTES, "kohya")) {
            m.select(List.of(new LoraSelection("kohya", 0.0)));
            assertEquals(0, m.cachedBytes());
            assertTrue(m.adapters().active().isEmpty());
            assertThrows(IllegalArgumentException.class, () -> m.select(List.of(new LoraSelection("../kohya", 0))));
            assertThrows(IllegalArgumentException.class, () -> m.select(List.of(new LoraSelection("kohya", 1),
                    new LoraSelection("kohya.safetensors", 0.5))));
        }
    }

    @Test
    void aChangedFileIsReadAgain() throws IOException {
        try (LoraManager m = manager(LoraManager.DEFAULT_CACHE_BYTES, "kohya")) {
            m.select(List.of(new LoraSelection("kohya", 1.0)));
            DeviceLora before = m.adapters().active().get(0).lora();
            Files.copy(Golden.file("lora-tiny/peft.safetensors"), dir.resolve("kohya.safetensors"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(dir.resolve("kohya.safetensors"), FileTime.fromMillis(5_000));
            m.select(List.of(new LoraSelection("kohya", 1.0)));
            DeviceLora after = m.adapters().active().get(0).lora();
            assertNotSame(before, after);
            assertEquals(LoraFormat.DIFFUSERS_PEFT, after.format());
        }
    }

    @Test
    void cacheEvictsLeastRecentlyUsedUploadsThatAreNotInUse() throws IOException {
        long oneLora = LoraTiny.parse("kohya").bytes();
        try (LoraManager m = manager(oneLora, "kohya", "comfy_fused", "peft")) {
            m.select(List.of(new LoraSelection("kohya", 1.0)));
            DeviceLora kohya = m.adapters().active().get(0).lora();
            m.select(List.of(new LoraSelection("comfy_fused", 1.0))); // kohya was still in use while comfy loaded
            assertEquals(2 * oneLora, m.cachedBytes());
            m.select(List.of(new LoraSelection("peft", 1.0)));        // now kohya (LRU, unused) goes
            assertTrue(kohya.factors().values().iterator().next().a().isClosed(), "evicted upload is freed");
            assertEquals(2 * oneLora, m.cachedBytes());
            m.trimCache();
            assertEquals(oneLora, m.cachedBytes(), "only the selected LoRA remains");
        }
    }
}
