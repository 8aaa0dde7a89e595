package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.provenance.FileHashes;
import io.github.jimengstudio.provenance.ResourceHashes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code Model hash} and {@code Lora hashes} of images, for the command line's PNGs and Fiji's Save with
 * Provenance. The transformer is hashed once per file (a minute for the real 12 GB; the user is told, once) and
 * remembered in {@link FileHashes}' cache; a hash that cannot be computed (or a model that is not at hand) leaves its
 * field out with a note rather than costing the image.
 */
public final class ResourceHashing {
    private final FileHashes hashes;
    private final ModelLocation location;
    private final LoraLibrary loras;
    private final Consumer<String> notes;
    private String modelHash;
    private boolean modelTried;

    /** @param location the model the images were made with, or null when it is not at hand (no model hash) */
    public ResourceHashing(FileHashes hashes, ModelLocation location, LoraLibrary loras, Consumer<String> notes) {
        this.hashes = hashes;
        this.location = location;
        this.loras = loras;
        this.notes = notes;
    }

    public ResourceHashes of(GenerationRequest request) {
        if (!modelTried && location != null) {
            modelTried = true;
            List<Path> files = location.transformer().weightFiles();
            if (!hashes.modelHashCached(files)) {
                notes.accept("Hashing the transformer for the A1111 'Model hash' (once; remembered while the file"
                        + " stays the same) ...");
            }
            try {
                modelHash = hashes.modelHash(files);
            } catch (IOException e) {
                notes.accept("Note: no 'Model hash' in the PNG: " + e.getMessage());
            }
        }
        Map<String, String> loraHashes = new LinkedHashMap<>();
        for (LoraUse l : request.loras()) {
            try {
                loraHashes.put(l.name(), hashes.loraHash(loras.resolve(l.name())));
            } catch (IOException | IllegalArgumentException e) {
                notes.accept("Note: no hash for the LoRA " + l.name() + " in the PNG: " + e.getMessage());
            }
        }
        return new ResourceHashes(modelHash, loraHashes);
    }
}
