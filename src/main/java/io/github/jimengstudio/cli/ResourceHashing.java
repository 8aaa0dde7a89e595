package io.github.jimengstudio.cli;

import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.provenance.FileHashes;
import io.github.jimengstudio.provenance.ResourceHashes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code Model hash} and {@code Lora hashes} of one run's images. The transformer is hashed once per file (a
 * minute for the real 12 GB; the user is told, once) and remembered in {@link FileHashes}' cache; a hash that cannot
 * be computed leaves its field out with a note rather than costing the image.
 */
final class ResourceHashing {
    private final FileHashes hashes;
    private final ModelLocation location;
    private final LoraLibrary loras;
    private final PrintStream info;
    private String modelHash;
    private boolean modelTried;

    ResourceHashing(FileHashes hashes, ModelLocation location, LoraLibrary loras, PrintStream info) {
        this.hashes = hashes;
        this.location = location;
        this.loras = loras;
        this.info = info;
    }

    ResourceHashes of(GenerationRequest request) {
        if (!modelTried) {
            modelTried = true;
            List<Path> files = location.transformer().weightFiles();
            if (!hashes.modelHashCached(files)) {
                info.println("Hashing the transformer for the A1111 'Model hash' (once; remembered while the file"
                        + " stays the same) ...");
            }
            try {
                modelHash = hashes.modelHash(files);
            } catch (IOException e) {
                info.println("Note: no 'Model hash' in the PNG: " + e.getMessage());
            }
        }
        Map<String, String> loraHashes = new LinkedHashMap<>();
        for (LoraUse l : request.loras()) {
            try {
                loraHashes.put(l.name(), hashes.loraHash(loras.resolve(l.name())));
            } catch (IOException | IllegalArgumentException e) {
                info.println("Note: no hash for the LoRA " + l.name() + " in the PNG: " + e.getMessage());
            }
        }
        return new ResourceHashes(modelHash, loraHashes);
    }
}
