package io.github.jimengstudio.lora;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Uploaded LoRAs kept on the device for the next switch, least recently used first out, bounded by bytes. A LoRA
 * that is in use is never freed, even when it alone exceeds the budget (it is freed once it is switched out and
 * something else needs the room).
 *
 * @param <K> what identifies a LoRA file version (name plus size and modification time)
 */
public final class LoraAdapterCache<K> implements AutoCloseable {

    private final long maxBytes;
    private final Predicate<DeviceLora> inUse;
    private final LinkedHashMap<K, DeviceLora> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /**
     * @param maxBytes budget for LoRAs not in use
     * @param inUse    tells which uploaded LoRAs must not be freed (those the switch has active)
     */
    public LoraAdapterCache(long maxBytes, Predicate<DeviceLora> inUse) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("LoRA cache budget must be >= 0 bytes, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.inUse = inUse;
    }

    /** The cached upload for {@code key}, or the one {@code upload} makes now (then kept, evicting others). */
    public synchronized DeviceLora get(K key, Supplier<DeviceLora> upload) {
        DeviceLora d = entries.get(key);
        if (d != null) {
            return d;
        }
        d = upload.get();
        entries.put(key, d);
        bytes += d.bytes();
        evict(d);
        return d;
    }

    private void evict(DeviceLora keep) {
        Iterator<Map.Entry<K, DeviceLora>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            DeviceLora d = it.next().getValue();
            if (d == keep || inUse.test(d)) {
                continue;
            }
            it.remove();
            bytes -= d.bytes();
            d.close();
        }
    }

    /** Frees every cached LoRA that is not in use (e.g. before the model leaves the GPU). */
    public synchronized void trim() {
        Iterator<Map.Entry<K, DeviceLora>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            DeviceLora d = it.next().getValue();
            if (!inUse.test(d)) {
                it.remove();
                bytes -= d.bytes();
                d.close();
            }
        }
    }

    /** Device bytes held by cached uploads (in use or not). */
    public synchronized long bytes() {
        return bytes;
    }

    /** Frees everything, in use or not: only when the model itself goes away. */
    @Override
    public synchronized void close() {
        entries.values().forEach(DeviceLora::close);
        entries.clear();
        bytes = 0;
    }
}
