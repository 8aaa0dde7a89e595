package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.textenc.PromptEmbeddingCache.Key;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PromptEmbeddingCacheTest {

    static final String MODEL = "Z-Image-Turbo@abc/fp32";
    static final String TEMPLATE = ChatTemplate.QWEN3_USER_TURN.identity();

    /** An embedding of {@code tokens} rows of width 4 whose values encode the seed (bytes: 16+8 per token). */
    static PromptEmbedding embedding(int tokens, float seed) {
        float[] v = new float[tokens * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = seed + i;
        }
        return new PromptEmbedding(v, 4, new TokenizedPrompt(new long[tokens], tokens));
    }

    static Key key(String prompt) {
        return new Key(MODEL, TEMPLATE, prompt);
    }

    @Test
    void aMissEncodesAndAHitReturnsEqualValuesWithoutEncoding() throws IOException {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(1 << 20);
        AtomicInteger encodes = new AtomicInteger();
        PromptEmbeddingCache.Encoder encoder = () -> {
            encodes.incrementAndGet();
            return embedding(3, 7f);
        };
        PromptEmbedding first = cache.get(key("a fox"), encoder);
        PromptEmbedding second = cache.get(key("a fox"), encoder);
        assertEquals(1, encodes.get());
        assertEquals(1, cache.misses());
        assertEquals(1, cache.hits());
        assertArrayEquals(first.toFloatArray(), second.toFloatArray());
        assertArrayEquals(embedding(3, 7f).toFloatArray(), second.toFloatArray());
        assertEquals(3 * 24, cache.bytes());
    }

    @Test
    void theKeyIsModelTemplateAndPrompt() throws IOException {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(1 << 20);
        cache.put(key("a fox"), embedding(2, 0f));
        assertTrue(cache.contains(new Key(MODEL, TEMPLATE, "a fox")));
        assertFalse(cache.contains(new Key("another model", TEMPLATE, "a fox")));
        assertFalse(cache.contains(new Key(MODEL, "{prompt}", "a fox")));
        assertFalse(cache.contains(key("a fox ")));
        assertNull(cache.getIfPresent(key("a cat")));
        assertEquals(1, cache.misses());
    }

    @Test
    void theLeastRecentlyUsedEntriesAreEvictedToStayWithinTheByteBudget() throws IOException {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(3 * 10 * 24); // room for three 10-token prompts
        cache.put(key("a"), embedding(10, 1f));
        cache.put(key("b"), embedding(10, 2f));
        cache.put(key("c"), embedding(10, 3f));
        assertEquals(720, cache.bytes());
        cache.getIfPresent(key("a")); // a is now more recent than b
        cache.put(key("d"), embedding(10, 4f));
        assertFalse(cache.contains(key("b")));
        assertTrue(cache.contains(key("a")) && cache.contains(key("c")) && cache.contains(key("d")));
        assertEquals(1, cache.evictions());
        cache.put(key("big"), embedding(20, 5f)); // needs two slots: c and a go, the oldest first
        assertEquals(3, cache.evictions());
        assertFalse(cache.contains(key("c")));
        assertFalse(cache.contains(key("a")));
        assertTrue(cache.contains(key("d")) && cache.contains(key("big")));
        assertEquals(720, cache.bytes());
        assertTrue(cache.bytes() <= cache.maxBytes());
    }

    @Test
    void anEmbeddingLargerThanTheBudgetIsReturnedButNotKept() throws IOException {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(100);
        cache.put(key("small"), embedding(1, 0f));
        PromptEmbedding big = cache.get(key("huge"), () -> embedding(10, 9f));
        assertEquals(10, big.length());
        assertFalse(cache.contains(key("huge")));
        assertTrue(cache.contains(key("small")), "an oversized entry evicts nothing");
        assertEquals(24, cache.bytes());
    }

    @Test
    void replacingAnEntryKeepsTheByteCountRight() {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(1000);
        cache.put(key("a"), embedding(5, 0f));
        cache.put(key("a"), embedding(2, 0f));
        assertEquals(48, cache.bytes());
        assertEquals(1, cache.size());
        cache.clear();
        assertEquals(0, cache.bytes());
    }

    @Test
    void aFailedEncodingCachesNothing() {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(1000);
        assertThrows(TextEncoderException.class, () -> cache.get(key("x"), () -> {
            throw new TextEncoderException("boom");
        }));
        assertEquals(0, cache.size());
    }

    @Test
    void cachedEmbeddingsCannotBeChangedThroughWhatCallersGet() throws IOException {
        PromptEmbeddingCache cache = new PromptEmbeddingCache(1000);
        PromptEmbedding e = cache.get(key("a"), () -> embedding(2, 1f));
        e.toFloatArray()[0] = 99f;
        assertEquals(1f, cache.getIfPresent(key("a")).get(0, 0));
        assertSame(e, cache.getIfPresent(key("a")));
    }
}
