package io.github.jimengstudio.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A complete Z-Image-Turbo model found on disk: every file the engine will open, and what had to be assumed.
 *
 * @param kind            the layout it was found in
 * @param root            the folder of that layout: the HF folder, the cache snapshot, or the ComfyUI models folder
 * @param identity        a stable name for caches and provenance: {@code Tongyi-MAI/Z-Image-Turbo@<revision>} for a
 *                        cache snapshot, otherwise the layout plus the weight file names and a fingerprint of every
 *                        file's name, size and modification time (so a replaced file gives a new identity)
 * @param transformer     the DiT
 * @param textEncoder     Qwen3-4B
 * @param vae             the AutoencoderKL
 * @param tokenizerFolder a folder holding {@code tokenizer.json} (for ComfyUI files it comes from elsewhere; see
 *                        {@link #notes})
 * @param schedulerConfig {@code scheduler/scheduler_config.json}; empty for ComfyUI files, which carry none: the
 *                        engine then uses the Turbo defaults (flow-match Euler, shift 3.0)
 * @param notes           what the user should know about how the model was assembled (assumed defaults, inferred
 *                        configs, where the tokenizer came from, files that were passed over)
 */
public record ModelLocation(LayoutKind kind, Path root, String identity, ComponentFiles transformer,
        ComponentFiles textEncoder, ComponentFiles vae, Path tokenizerFolder, Optional<Path> schedulerConfig,
        List<String> notes) {

    public ModelLocation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(transformer, "transformer");
        Objects.requireNonNull(textEncoder, "textEncoder");
        Objects.requireNonNull(vae, "vae");
        Objects.requireNonNull(tokenizerFolder, "tokenizerFolder");
        Objects.requireNonNull(schedulerConfig, "schedulerConfig");
        notes = List.copyOf(notes);
    }

    /** The three networks in pipeline order. */
    public List<ComponentFiles> components() {
        return List.of(textEncoder, transformer, vae);
    }

    /** A readable multi-line summary for the command line and the diagnostics command. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Z-Image-Turbo (").append(kind.label()).append(") at ").append(root).append('\n');
        sb.append("  identity:     ").append(identity).append('\n');
        for (ComponentFiles c : components()) {
            sb.append("  ").append(String.format("%-13s ", c.name() + ":")).append(c.weights());
            if (c.sharded()) {
                sb.append(" (").append(c.weightFiles().size()).append(" shards)");
            }
            sb.append('\n').append("                config ")
                    .append(c.config().map(Path::toString).orElse("inferred from tensor shapes")).append('\n');
        }
        sb.append("  tokenizer:    ").append(tokenizerFolder).append('\n');
        sb.append("  scheduler:    ").append(schedulerConfig.map(Path::toString)
                .orElse("Turbo defaults (FlowMatchEulerDiscreteScheduler, shift 3.0)")).append('\n');
        for (String n : notes) {
            sb.append("  note: ").append(n).append('\n');
        }
        return sb.toString();
    }
}
