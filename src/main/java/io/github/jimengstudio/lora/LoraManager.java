package io.github.jimengstudio.lora;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LoRA hot-switching for one loaded transformer: picks LoRAs by library name, reads and validates each file
 * against the model once, uploads its factors once (cached by bytes), and swaps the model's active adapter set.
 * The base model is never reloaded, and its weights are never modified in place. A LoRA that does not fit is
 * refused before anything changes: the previous set stays active.
 *
 * <p>Optional fuse-for-speed ({@link #setFusing}): the active set is merged into fresh weight tensors
 * ({@code W + Σ s·scale·B@A}) that stand in for the base weights, so a step costs what it costs without LoRA;
 * switching reloads the exact base weights from the (memory-mapped) checkpoint first, so fusing never drifts.
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
    /** The model's layers by weight name; empty for a manager that only validates and switches (tests, benches). */
    private final Map<String, Linear> layers = new LinkedHashMap<>();
    private final TensorScope fusedWeights = TensorScope.detached();
    private final List<Linear> fusedLayers = new ArrayList<>();
    private boolean fusing;

    /**
     * A manager for a model's catalogue whose layers the caller wires itself ({@code adapters().adapterFor}).
     *
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

    /**
     * A manager attached to a model's Linear layers (e.g. {@code ZImageTransformer.linears()}): each gets its
     * adapter now, and loses it on {@link #close()}. The layers' names and shapes are the catalogue.
     */
    public static LoraManager attachedTo(LoraLibrary library, List<Linear> linears, ElementType computeType,
            long cacheBytes) {
        LoraManager m = new LoraManager(library, LoraTargets.fromLinears(linears), computeType, cacheBytes);
        for (Linear l : linears) {
            String weight = l.name() + ".weight";
            m.layers.put(weight, l);
            l.setAdapter(m.adapters.adapterFor(weight));
        }
        return m;
    }

    /** The model's runtime adapters. */
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
            unfuse();
            adapters.select(uses);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            pending.clear();
        }
        if (fusing) {
            fuse();
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
    public synchronized void clear() throws IOException {
        unfuse();
        adapters.clear();
    }

    /**
     * Fuse-for-speed on or off. On: the active set (and every later selection) is merged into the weights of the
     * layers it patches. Off: the exact base weights are reloaded and the adapters apply at run time again.
     * Needs a manager {@link #attachedTo} the model's layers.
     */
    public synchronized void setFusing(boolean on) throws IOException {
        if (on && layers.isEmpty()) {
            throw new IllegalStateException("fusing needs the model's layers: create the manager with attachedTo");
        }
        fusing = on;
        if (on) {
            fuse();
        } else {
            unfuse();
        }
    }

    public synchronized boolean fusing() {
        return fusing;
    }

    /** Merges the active set into the patched layers' weights; on any failure every layer is restored. */
    private void fuse() throws IOException {
        if (adapters.fused()) {
            return;
        }
        for (Linear l : layers.values()) {
            if (adapters.patches(l.name() + ".weight") && !l.canReloadWeight()) {
                throw new IllegalStateException(l.name() + " was not loaded from a checkpoint, so its base weight "
                        + "could not be restored after fusing; use the unfused adapters");
            }
        }
        try {
            for (Map.Entry<String, Linear> e : layers.entrySet()) {
                if (!adapters.patches(e.getKey())) {
                    continue;
                }
                Linear l = e.getValue();
                Tensor merged;
                try (TensorScope s = TensorScope.open()) {
                    merged = fusedWeights.adopt(adapters.fusedWeight(e.getKey(), l.weight()));
                }
                l.replaceWeight(merged).close(); // the base is reloaded from the checkpoint on unfuse
                fusedLayers.add(l);
            }
        } catch (RuntimeException e) {
            restoreBaseWeights();
            throw e;
        }
        adapters.setFused(true);
    }

    /** Reloads the exact base weights of every fused layer; the adapters apply at run time again. */
    private void unfuse() throws IOException {
        restoreBaseWeights();
        adapters.setFused(false);
    }

    private void restoreBaseWeights() throws IOException {
        while (!fusedLayers.isEmpty()) {
            Linear l = fusedLayers.get(fusedLayers.size() - 1);
            l.reloadWeight().close();
            fusedLayers.remove(fusedLayers.size() - 1);
        }
    }

    /** Frees cached uploads that are not selected. */
    public synchronized void trimCache() {
        cache.trim();
    }

    /** Device bytes held by uploaded LoRAs. */
    public synchronized long cachedBytes() {
        return cache.bytes();
    }

    /**
     * Restores the base weights if fused, detaches the adapters from the model's layers and frees every upload;
     * the model computes without LoRA afterwards.
     */
    @Override
    public synchronized void close() throws IOException {
        try {
            unfuse();
        } finally {
            adapters.clear();
            for (Linear l : layers.values()) {
                l.setAdapter(null);
            }
            cache.close();
            fusedWeights.close();
        }
    }
}
