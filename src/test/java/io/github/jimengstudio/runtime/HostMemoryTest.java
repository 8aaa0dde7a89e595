package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host memory is checked before it is taken in bulk: past the machine's memory Linux's OOM killer would end the
 * process (Fiji with its unsaved images) instead of failing an allocation. {@code jimeng.memoryLimit} stands in
 * for a small machine.
 */
class HostMemoryTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearLimit() {
        System.clearProperty("jimeng.memoryLimit");
        System.clearProperty("jimeng.memoryChecks");
    }

    @Test
    void theFreeMemoryIsKnownAndTheLimitSettingCapsIt() {
        long available = NativeMemory.availableBytes();
        assertTrue(available > 0 && available <= NativeMemory.physicalBytes(), available + " bytes");
        assertEquals(Math.min(1L << 30, NativeMemory.physicalBytes() / 10), NativeMemory.reserveBytes());
        System.setProperty("jimeng.memoryLimit", "12g");
        assertEquals(12L << 30, NativeMemory.memoryLimit());
        System.setProperty("jimeng.memoryLimit", "1.5G");
        assertEquals(3L << 29, NativeMemory.memoryLimit());
        System.setProperty("jimeng.memoryLimit", "800m");
        assertEquals(800L << 20, NativeMemory.memoryLimit());
        System.setProperty("jimeng.memoryLimit", "123456");
        assertEquals(123456, NativeMemory.memoryLimit());
        long own = NativeMemory.ownBytes();
        // (two readings of a live process: 64 MB of slack for what moves between them)
        assertTrue(own > 0 && own <= NativeMemory.residentBytes() + (64L << 20), "own: resident less mapped files");
        System.setProperty("jimeng.memoryLimit", String.valueOf(own + (4L << 30)));
        assertTrue(NativeMemory.availableBytes() <= (4L << 30) + (64L << 20), "at most the room under the limit");
        System.setProperty("jimeng.memoryLimit", "2g");
        assertEquals((2L << 30) / 10, NativeMemory.reserveBytes(), "a tenth of a smaller limit is kept free");
        System.setProperty("jimeng.memoryLimit", "1"); // below what this JVM already uses: nothing is free
        assertEquals(0, NativeMemory.availableBytes());
        System.setProperty("jimeng.memoryLimit", "lots");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, NativeMemory::availableBytes);
        assertTrue(e.getMessage().contains("give a size such as 12g"), e.getMessage());
    }

    @Test
    void anAllocationThatWouldEatTheReserveIsRefusedBeforehand() {
        NativeMemory.require(64L << 20, "64 MB of nothing"); // this machine has room
        System.setProperty("jimeng.memoryLimit", "1");
        NativeMemory.require(0, "nothing"); // nothing to allocate passes
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class,
                () -> NativeMemory.require(3_000_000_000L, "the test's 3 GB"));
        assertTrue(e.getMessage().startsWith("Not enough memory for the test's 3 GB: it needs 3.0 GB and 0 bytes is"
                + " free"), e.getMessage());
        assertTrue(e.getMessage().contains(" The setting jimeng.memoryLimit=1 (1 bytes) is what stops it: this "
                + "process already uses "), e.getMessage());
        assertEquals(3_000_000_000L, e.neededBytes());
        assertEquals(0, e.availableBytes());
        System.setProperty("jimeng.memoryChecks", "false"); // the user's way out, e.g. into swap on purpose
        assertEquals(-1, NativeMemory.availableBytes());
        NativeMemory.require(3_000_000_000L, "the test's 3 GB");
    }

    @Test
    void weightsTheLoaderWouldAllocateAreRefusedAndMappedOnesStillLoad() throws Exception {
        float[] v = Ref.random(5, 12);
        Path f = new TestSafetensors().floats("f32", "F32", v, 3, 4).floats("bf16", "BF16", v, 3, 4)
                .write(dir.resolve("w.safetensors"));
        System.setProperty("jimeng.memoryLimit", "1");
        try (SafetensorsFile src = SafetensorsFile.open(f); TensorScope model = TensorScope.detached()) {
            WeightLoader loader = new WeightLoader(src, model, ElementType.FLOAT32);
            assertArrayEquals(v, loader.load("f32", 3, 4).toFloatArray(), "a view of the mapping takes no memory");
            InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class,
                    () -> loader.load("bf16", 3, 4));
            assertTrue(e.getMessage().contains("the weight 'bf16'") && e.getMessage().contains("0 bytes of weights"
                    + " from " + src.origin() + " had been loaded before it"), e.getMessage());
            WeightLoader narrow = new WeightLoader(src, model, ElementType.BFLOAT16);
            assertThrows(InsufficientMemoryException.class, () -> narrow.load("f32", 3, 4));
            assertEquals(1, model.size(), "nothing was allocated for the refused weights");
        }
    }

    @Test
    void libtorchRunningOutOfMemoryIsReportedAndTheJvmLivesOn() throws Exception {
        // a 10 GB address space: the JVM, libtorch and MKL fit, two 8.6 GB tensors do not
        ChildJvm.Result r = ChildJvm.run(OutOfMemoryProbe.class, Map.of(), List.of("-Xmx512m"), 10L << 20, 120);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("REFUSED libtorch ran out of memory (DefaultCPUAllocator: can't allocate"
                + " memory: you tried to allocate 8589934588 bytes."), r.output());
        assertTrue(r.output().contains("STILL ALIVE 3.0"), r.output());
        assertNull(InsufficientMemoryException.fromNative(new IllegalArgumentException("shape mismatch"), "-"));
    }

    @Test
    void cgroupLimitsAreReadAlongTheGroupsPathV2AndV1() throws Exception {
        Path root = dir.resolve("cgroup");
        // v2: a limit on the parent (1 MB, 600 kB used of which 100 kB file cache), none on the leaf
        write(root.resolve("a/memory.max"), "1000000");
        write(root.resolve("a/memory.current"), "600000");
        write(root.resolve("a/memory.stat"), "anon 500000\nfile 100000\n");
        write(root.resolve("a/b/memory.max"), "max");
        Path v2 = write(dir.resolve("v2"), "0::/a/b\n");
        assertEquals(500_000, NativeMemory.cgroupRoom(v2, root));
        // v1: the leaf says "no limit" (2^63 - 4096), its parent has 2 MB with 1.5 MB used, 0.5 MB of it cache
        write(root.resolve("memory/docker/x/memory.limit_in_bytes"), "9223372036854771712");
        write(root.resolve("memory/docker/memory.limit_in_bytes"), "2000000");
        write(root.resolve("memory/docker/memory.usage_in_bytes"), "1500000");
        write(root.resolve("memory/docker/memory.stat"), "cache 1\ntotal_cache 500000\n");
        Path v1 = write(dir.resolve("v1"), "4:memory:/docker/x\n3:cpuset:/\n");
        assertEquals(1_000_000, NativeMemory.cgroupRoom(v1, root));
        Path both = write(dir.resolve("both"), "4:memory:/docker/x\n0::/a/b\n");
        assertEquals(500_000, NativeMemory.cgroupRoom(both, root), "the tightest of all");
        // an unreadable level is skipped; the other level's limit still counts
        write(root.resolve("a/b/memory.max"), "garbage");
        assertEquals(500_000, NativeMemory.cgroupRoom(v2, root));
        Path outside = write(dir.resolve("outside"), "0::/../elsewhere\n"); // shows as the namespace's root
        write(root.resolve("memory.max"), "3000000");
        write(root.resolve("memory.current"), "1000000");
        write(root.resolve("memory.stat"), "file 0\n");
        assertEquals(2_000_000, NativeMemory.cgroupRoom(outside, root));
        Path none = write(dir.resolve("none"), "0::/\n");
        assertEquals(-1, NativeMemory.cgroupRoom(none, dir.resolve("empty")));
        assertEquals(-1, NativeMemory.cgroupRoom(dir.resolve("missing"), root));
    }

    private static Path write(Path file, String text) throws java.io.IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        return java.nio.file.Files.writeString(file, text);
    }

    @Test
    void aLimitBelowWhatTheProcessAlreadyUsesIsNamedAsTheCauseWithSizesThatAreNotZero() {
        System.setProperty("jimeng.memoryLimit", "100m");
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class,
                () -> NativeMemory.require(300_000, "the weight 'w'"));
        // the test JVM uses far more than 100 MB, so nothing is left under the limit
        assertTrue(e.getMessage().startsWith("Not enough memory for the weight 'w': it needs 300 kB and 0 bytes is"
                + " free"), e.getMessage());
        assertTrue(e.getMessage().contains("The setting jimeng.memoryLimit=100m (105 MB) is what stops it: this "
                + "process already uses "), e.getMessage());
        assertEquals("999 bytes", InsufficientMemoryException.sizeText(999));
        assertEquals("2 kB", InsufficientMemoryException.sizeText(1_500));
        assertEquals("2 MB", InsufficientMemoryException.sizeText(1_500_000));
    }
}
