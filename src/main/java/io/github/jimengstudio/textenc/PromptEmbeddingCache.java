package io.github.jimengstudio.textenc;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Recently used prompt embeddings, bounded by bytes and evicted least-recently-used first. A seed sweep or a LoRA
 * switch re-uses the prompt's embedding instead of running the text encoder again.
 *
 * <p>The key is everything that decides the embedding: the model (its identity string: weights and precision),
 * the chat template and the prompt text. Thread-safe; the encoding itself runs outside the lock.
 */
public final class PromptEmbeddingCache {

    /** What decides an embedding. */
    public record Key(String modelIdentity, String templateIdentity, String prompt) {
        public Key {
            Objects.requireNonNull(modelIdentity, "modelIdentity");
            Objects.requireNonNull(templateIdentity, "templateIdentity");
            Objects.requireNonNull(prompt, "prompt");
        }
    }

    /** The work done on a miss. */
    @FunctionalInterface
    public interface Encoder {
        PromptEmbedding encode() throws IOException;
    }

    /**
     * A budget for interactive use: a full 512-token Qwen3-4B prompt takes 512 × 2560 × 4 bytes (5.2 MB), a typical
     * 50-token one 0.5 MB, so this keeps a dozen long prompts or a hundred short ones.
     */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    private final long maxBytes;
    private final LinkedHashMap<Key, PromptEmbedding> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;

    /** @param maxBytes the budget; an embedding larger than it is returned but never kept */
    public PromptEmbeddingCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes is " + maxBytes + "; it must be 0 or more");
        }
        this.maxBytes = maxBytes;
    }

    /** The cached embedding for {@code key}, or the one {@code encoder} makes (which is then cached). */
    public PromptEmbedding get(Key key, Encoder encoder) throws IOException {
        synchronized (this) {
            PromptEmbedding cached = entries.get(key);
            if (cached != null) {
                hits++;
                return cached;
            }
            misses++;
        }
        PromptEmbedding fresh = encoder.encode();
        put(key, fresh);
        return fresh;
    }

    /** The cached embedding, or null; counts as a use (and a hit or miss). */
    public synchronized PromptEmbedding getIfPresent(Key key) {
        PromptEmbedding cached = entries.get(key);
        if (cached != null) {
            hits++;
        } else {
            misses++;
        }
        return cached;
    }

    /** Stores an embedding, evicting least-recently-used entries until the budget holds. */
    public synchronized void put(Key key, PromptEmbedding embedding) {
        Objects.requireNonNull(key, "key");
        long size = embedding.byteSize();
        PromptEmbedding old = entries.remove(key);
        if (old != null) {
            bytes -= old.byteSize();
        }
        if (size > maxBytes) {
            return;
        }
        Iterator<Map.Entry<Key, PromptEmbedding>> eldest = entries.entrySet().iterator();
        while (bytes + size > maxBytes && eldest.hasNext()) {
            bytes -= eldest.next().getValue().byteSize();
            eldest.remove();
            evictions++;
        }
        entries.put(key, embedding);
        bytes += size;
    }

    public synchronized boolean contains(Key key) {
        return entries.containsKey(key);
    }

    public synchronized void clear() {
        entries.clear();
        bytes = 0;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes held now (never above {@link #maxBytes()}). */
    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized long evictions() {
        return evictions;
    }
}
