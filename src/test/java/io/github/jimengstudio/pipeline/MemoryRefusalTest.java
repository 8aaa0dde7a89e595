package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.InsufficientMemoryException;
import io.github.jimengstudio.testing.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Too little free memory for a network or a stage is refused before the memory is taken, with what to change, and
 * the pipeline carries on once there is room ({@code jimeng.memoryLimit} stands in for a small machine).
 */
class MemoryRefusalTest {

    @AfterEach
    void clearLimit() {
        System.clearProperty("jimeng.memoryLimit");
    }

    @Test
    void aNetworkTheFreeMemoryCannotHoldIsNotLoaded() {
        System.setProperty("jimeng.memoryLimit", "1"); // less than this JVM already uses: nothing is free
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, () -> ZImagePipeline.load(
                ZImagePipelineTest.locate(Golden.file("e2e-tiny/model")), PipelineOptions.defaults()));
        // the tiny text encoder is bfloat16 on disk: float32 on the CPU takes memory (float32 files are mapped)
        assertTrue(e.getMessage().startsWith("Not enough memory to load the text encoder (float32 on cpu). Try"
                + " precision bfloat16 (half the memory; fast on a GPU and on CPUs with AMX, slow on others), or more"
                + " free memory (close other programs, or images you no longer need). Not enough memory for the"
                + " text encoder's weights (float32 on cpu): it needs "), e.getMessage());
    }

    @Test
    void aStageWithoutWorkingMemoryIsRefusedAndTheNextRequestRuns() throws Exception {
        try (ZImagePipeline p = ZImagePipeline.load(ZImagePipelineTest.locate(Golden.file("e2e-tiny/model")),
                PipelineOptions.defaults())) {
            GenerationRequest small = E2eCase.named("case_a").request().size(128, 128).steps(2).build();
            byte[] before = p.generate(small).rgb();

            System.setProperty("jimeng.memoryLimit", "1");
            ZImagePipelineTest.Events events = new ZImagePipelineTest.Events();
            InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class,
                    () -> p.generate(small, events, CancellationToken.none()));
            assertTrue(e.getMessage().startsWith("Not enough memory for the transformer's working memory at 128 x 128:"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("Try a smaller size, or more free memory (close other programs, or"
                    + " images you no longer need)."), e.getMessage());
            assertEquals("failed: " + e.getMessage(), events.log.get(events.log.size() - 1));
            assertTrue(events.log.stream().noneMatch(l -> l.startsWith("step")), "refused before the first step");

            System.clearProperty("jimeng.memoryLimit");
            assertArrayEquals(before, p.generate(small).rgb(), "the same image once there is room");
            assertTrue(p.deviceDescription().startsWith("text encoder, transformer, VAE: float32 on cpu"),
                    p.deviceDescription());
        }
    }

    @Test
    void libtorchsOwnAllocationFailureReadsAsAShortageOfMemory() {
        RuntimeException fromOp = new IllegalArgumentException("op 'sandwich_block' failed: [enforce fail at"
                + " alloc_cpu.cpp:119] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to allocate"
                + " 123 bytes. Error code 12 (Cannot allocate memory)");
        InsufficientMemoryException e = InsufficientMemoryException.fromNative(fromOp, "Try less.");
        assertEquals("libtorch ran out of memory (op 'sandwich_block' failed: DefaultCPUAllocator: can't allocate"
                + " memory: you tried to allocate 123 bytes. Error code 12 (Cannot allocate memory)). Try less.",
                e.getMessage());
        InsufficientMemoryException cuda = InsufficientMemoryException.fromNative(new RuntimeException("wrapped",
                new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB")), "Try less.");
        assertEquals("libtorch ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB). Try less.",
                cuda.getMessage());
    }
}
