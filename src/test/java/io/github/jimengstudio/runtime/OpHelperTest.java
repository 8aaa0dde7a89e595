package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The op helper is versioned by content: written once per cache folder, rewritten when it differs. */
class OpHelperTest {

    @TempDir
    Path dir;

    private static List<Path> helpers(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pt")).toList();
        }
    }

    @Test
    @SuppressWarnings("try") // the scope is used for what it closes, not referenced
    void writesTheModuleOnceAndLoadsItFromAFreshCacheFolder() throws Exception {
        OpHelper h = OpHelper.load(dir, TorchRuntime.get().manager());
        assertEquals(List.of(h.file()), helpers(dir));
        FileTime written = Files.getLastModifiedTime(h.file());
        Files.setLastModifiedTime(h.file(), FileTime.fromMillis(written.toMillis() - 60_000));
        FileTime aged = Files.getLastModifiedTime(h.file());
        OpHelper again = OpHelper.load(dir, TorchRuntime.get().manager());
        assertEquals(h.file(), again.file());
        assertEquals(aged, Files.getLastModifiedTime(again.file()), "an identical file is not rewritten");
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(new float[] {-1, 0, 2}, 3);
            assertArrayEquals(x.silu().toFloatArray(),
                    Tensor.wrap(again.call("silu", x.array()), ElementType.FLOAT32).toFloatArray());
        }
    }

    @Test
    void aCorruptedHelperIsRegenerated() throws Exception {
        OpHelper h = OpHelper.load(dir, TorchRuntime.get().manager());
        Files.write(h.file(), new byte[] {'P', 'K', 0, 0});
        OpHelper fixed = OpHelper.load(dir, TorchRuntime.get().manager());
        assertArrayEquals(OpHelper.moduleBytes(OpHelper.PACKED_LINEAR), Files.readAllBytes(fixed.file()));
    }

    @Test
    void aChangedModuleGetsANewFileAndOldVersionsAgeOut() throws Exception {
        byte[] current = OpHelper.moduleBytes(OpHelper.PACKED_LINEAR);
        byte[] changed = current.clone();
        changed[changed.length - 30] ^= 1;
        assertNotEquals(OpHelper.sha256(current), OpHelper.sha256(changed));
        Path oldFresh = dir.resolve("ops-0000000000000001.pt");
        Path oldStale = dir.resolve("ops-0000000000000002.pt");
        Files.write(oldFresh, changed);
        Files.write(oldStale, changed);
        Files.setLastModifiedTime(oldStale, FileTime.fromMillis(System.currentTimeMillis() - 2 * 86_400_000L));
        Path file = dir.resolve("ops-" + OpHelper.sha256(current).substring(0, 16) + ".pt");
        OpHelper.ensureWritten(dir, file, current);
        assertArrayEquals(current, Files.readAllBytes(file));
        assertTrue(Files.exists(oldFresh), "another JVM of another version may just have written it");
        assertFalse(Files.exists(oldStale), "versions untouched for a day are removed");
    }
}
