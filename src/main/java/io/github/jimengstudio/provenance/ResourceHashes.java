package io.github.jimengstudio.provenance;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The short hashes of the resources an image was made with, for the A1111 {@code parameters} text ({@link
 * FileHashes} says what is hashed). Not part of the generation record: they identify files on this machine, and a
 * record stays valid when the same weights sit in another file.
 *
 * @param modelHash  A1111 {@code Model hash} of the transformer, or null when not computed
 * @param loraHashes LoRA name (as in the request) to its A1111 hash, in the request's order
 */
public record ResourceHashes(String modelHash, Map<String, String> loraHashes) {
    public static final ResourceHashes NONE = new ResourceHashes(null, Map.of());

    public ResourceHashes {
        loraHashes = Collections.unmodifiableMap(new LinkedHashMap<>(loraHashes));
    }
}
