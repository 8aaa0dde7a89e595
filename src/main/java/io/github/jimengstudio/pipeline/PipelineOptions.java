package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.textenc.PromptEmbeddingCache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ZImagePipeline} is set up; everything that can change per image is in the {@link GenerationRequest}.
 *
 * @param device           where to run ({@code AUTO}: the GPU when libtorch sees one)
 * @param memoryMode       the mode the networks are first loaded for (a request may ask for another; the pipeline
 *                         then moves or reloads what it must)
 * @param idleRelease      free the transformer after this long without a generation (it is reloaded, from the
 *                         already-mapped files, by the next one); zero or negative never frees it
 * @param releaseIdleOnCpu also free an idle transformer held on the CPU (useful when RAM is short: a bf16 file
 *                         widened to float32 takes twice its size); by default only GPU memory is released
 * @param loraFolder       the LoRA library's folder, or null for no LoRAs
 * @param promptCacheBytes the prompt embedding cache's bound
 */
public record PipelineOptions(DevicePreference device, MemoryMode memoryMode, Duration idleRelease,
        boolean releaseIdleOnCpu, Path loraFolder, long promptCacheBytes) {

    /** The transformer leaves the GPU after this long idle (DESIGN §3). */
    public static final Duration DEFAULT_IDLE_RELEASE = Duration.ofSeconds(30);
    public static final long DEFAULT_PROMPT_CACHE_BYTES = PromptEmbeddingCache.DEFAULT_MAX_BYTES;

    public PipelineOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(memoryMode, "memoryMode");
        Objects.requireNonNull(idleRelease, "idleRelease");
        if (promptCacheBytes < 0) {
            throw new IllegalArgumentException("prompt cache size is " + promptCacheBytes + " bytes; use 0 or more");
        }
    }

    /** AUTO device, BALANCED, release after 30 s on the GPU, no LoRA folder, a 64 MB prompt cache. */
    public static PipelineOptions defaults() {
        return new PipelineOptions(DevicePreference.AUTO, MemoryMode.BALANCED, DEFAULT_IDLE_RELEASE, false, null,
                DEFAULT_PROMPT_CACHE_BYTES);
    }

    public PipelineOptions withDevice(DevicePreference d) {
        return new PipelineOptions(d, memoryMode, idleRelease, releaseIdleOnCpu, loraFolder, promptCacheBytes);
    }

    public PipelineOptions withMemoryMode(MemoryMode m) {
        return new PipelineOptions(device, m, idleRelease, releaseIdleOnCpu, loraFolder, promptCacheBytes);
    }

    public PipelineOptions withIdleRelease(Duration after, boolean alsoOnCpu) {
        return new PipelineOptions(device, memoryMode, after, alsoOnCpu, loraFolder, promptCacheBytes);
    }

    public PipelineOptions withLoraFolder(Path folder) {
        return new PipelineOptions(device, memoryMode, idleRelease, releaseIdleOnCpu, folder, promptCacheBytes);
    }

    public PipelineOptions withPromptCacheBytes(long bytes) {
        return new PipelineOptions(device, memoryMode, idleRelease, releaseIdleOnCpu, loraFolder, bytes);
    }
}
