package io.github.jimengstudio.lora;

import io.github.jimengstudio.runtime.ElementType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * LoRA hot-switching for one loaded transformer: picks LoRAs by library name, reads and validates each file
 * against the model once, uploads its factors once (cached by bytes), and swaps the model's active adapter set.
 * The base model is never reloaded or modified. A LoRA that does not fit is refused before anything changes:
 * the previous set stays active.
 */
public final class LoraManager implements AutoCloseable {

    /** Default device budget for LoRAs not in use: 1 GiB (rank 32 on every Turbo linear: 0.3 GB float32). */
    public static final long DEFAULT_CACHE_BYTES = 1L << 30;

    /** One version of a LoRA file: a changed file is a different entry. */
    private record FileVersion(String name, long size, Instant modified) {}

    private final LoraLibrary library;
    private final LoraParser parser;
    private final ElementType computeType;
    private final LoraSwitch adapters;
    private final LoraAdapterCache<FileVersion> cache;
    private final Set<DeviceLora> pending = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param targets     the transformer's Linear weights (canonical names and shapes)
     * @param computeType the transformer's compute type; factors are uploaded in it
     * @param cacheBytes  device budget for uploaded LoRAs not currently selected
     */
    public LoraManager(LoraLibrary library, LoraTargets targets, ElementType computeType, long cacheBytes) {
        this.library = library;
        this.parser = new LoraParser(targets);
        this.computeType = computeType;
        this.adapters = new LoraSwitch(targets);
        this.cache = new LoraAdapterCache<>(cacheBytes, d -> adapters.isActive(d) || pending.contains(d));
    }

    /** The model's runtime adapters (each targeted Linear gets {@code adapters().adapterFor(name)}). */
    public LoraSwitch adapters() {
        return adapters;
    }

    /**
     * Makes exactly these LoRAs active. Loads what is not cached; nothing changes if any of them is refused.
     * A selection at strength 0 only checks that the name exists.
     *
     * @throws LoraRejectedException    when a LoRA does not fit this model (the message lists the tensors)
     * @throws IllegalArgumentException for a name that is not in the LoRA folder or tries to leave it
     */
    public synchronized void select(List<LoraSelection> selections) throws IOException {
        Set<String> seen = new HashSet<>();
        List<LoraSwitch.Use> uses = new ArrayList<>();
        try {
            for (LoraSelection s : selections) {
                LoraInfo info = library.info(s.name());
                if (!seen.add(info.name())) {
                    throw new IllegalArgumentException("LoRA '" + info.name() + "' is selected twice; give it "
                            + "once with the combined strength.");
                }
                if (s.strength() == 0) {
                    continue;
                }
                FileVersion version = new FileVersion(info.name(), info.sizeBytes(), info.lastModified());
                DeviceLora d = cache.get(version, () -> upload(info.name()));
                pending.add(d);
                uses.add(new LoraSwitch.Use(d, s.strength()));
            }
            adapters.select(uses);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            pending.clear();
        }
    }

    private DeviceLora upload(String name) {
        try {
            return DeviceLora.upload(library.load(name, parser), computeType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Back to the base model (cached uploads stay for the next switch). */
    public synchronized void clear() {
        adapters.clear();
    }

    /** Frees cached uploads that are not selected. */
    public synchronized void trimCache() {
        cache.trim();
    }

    /** Device bytes held by uploaded LoRAs. */
    public synchronized long cachedBytes() {
        return cache.bytes();
    }

    public LoraLibrary library() {
        return library;
    }

    public LoraParser parser() {
        return parser;
    }

    /** Frees every upload; the model computes without LoRA afterwards. */
    @Override
    public synchronized void close() {
        adapters.clear();
        cache.close();
    }
}
