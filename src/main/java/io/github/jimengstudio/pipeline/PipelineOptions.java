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
 * @param precision        the precision the transformer and text encoder are first loaded in ({@code AUTO}:
 *                         bfloat16 on a GPU, float32 on a CPU). A request is always computed in the precision it
 *                         asks for: one that resolves to another reloads the networks concerned once, says so
 *                         through {@link ProgressListener#warning}, and they stay in that precision afterwards. Load
 *                         in the precision you generate with (the command line passes {@code --precision} here).
 * @param idleRelease      free the transformer after this long without a generation (it is reloaded, from the
 *                         already-mapped files, by the next one); zero or negative never frees it
 * @param releaseIdleOnCpu also free an idle transformer held on the CPU (useful when RAM is short: a bf16 file
 *                         widened to float32 takes twice its size); by default only GPU memory is released
 * @param loraFolder       the LoRA library's folder, or null for no LoRAs
 * @param promptCacheBytes the prompt embedding cache's bound
 */
public record PipelineOptions(DevicePreference device, MemoryMode memoryMode, Precision precision,
        Duration idleRelease, boolean releaseIdleOnCpu, Path loraFolder, long promptCacheBytes) {

    /** The transformer leaves the GPU after this long idle (DESIGN §3). */
    public static final Duration DEFAULT_IDLE_RELEASE = Duration.ofSeconds(30);
    public static final long DEFAULT_PROMPT_CACHE_BYTES = PromptEmbeddingCache.DEFAULT_MAX_BYTES;

    public PipelineOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(memoryMode, "memoryMode");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(idleRelease, "idleRelease");
        if (promptCacheBytes < 0) {
            throw new IllegalArgumentException("prompt cache size is " + promptCacheBytes + " bytes; use 0 or more");
        }
    }

    /** AUTO device, BALANCED, AUTO precision, release after 30 s on the GPU, no LoRA folder, a 64 MB prompt cache. */
    public static PipelineOptions defaults() {
        return new PipelineOptions(DevicePreference.AUTO, MemoryMode.BALANCED, Precision.AUTO, DEFAULT_IDLE_RELEASE,
                false, null, DEFAULT_PROMPT_CACHE_BYTES);
    }

    public PipelineOptions withDevice(DevicePreference d) {
        return new PipelineOptions(d, memoryMode, precision, idleRelease, releaseIdleOnCpu, loraFolder,
                promptCacheBytes);
    }

    public PipelineOptions withMemoryMode(MemoryMode m) {
        return new PipelineOptions(device, m, precision, idleRelease, releaseIdleOnCpu, loraFolder, promptCacheBytes);
    }

    public PipelineOptions withPrecision(Precision p) {
        return new PipelineOptions(device, memoryMode, p, idleRelease, releaseIdleOnCpu, loraFolder, promptCacheBytes);
    }

    /**
     * These options with the request's memory mode and precision, so that the networks are loaded once, where and
     * how that request computes (loading for the defaults first would load them a second time for the request).
     */
    public PipelineOptions withSettingsOf(GenerationRequest request) {
        return withMemoryMode(request.memoryMode()).withPrecision(request.precision());
    }

    public PipelineOptions withIdleRelease(Duration after, boolean alsoOnCpu) {
        return new PipelineOptions(device, memoryMode, precision, after, alsoOnCpu, loraFolder, promptCacheBytes);
    }

    public PipelineOptions withLoraFolder(Path folder) {
        return new PipelineOptions(device, memoryMode, precision, idleRelease, releaseIdleOnCpu, folder,
                promptCacheBytes);
    }

    public PipelineOptions withPromptCacheBytes(long bytes) {
        return new PipelineOptions(device, memoryMode, precision, idleRelease, releaseIdleOnCpu, loraFolder, bytes);
    }
}
