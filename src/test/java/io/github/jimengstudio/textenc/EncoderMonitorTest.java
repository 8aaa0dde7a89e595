package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The text encoder's progress and stop points on e2e-tiny's model (3 layers, of which Z-Image runs 2): a report per
 * layer ending at exactly 1, and a stop thrown by the monitor that frees every temporary, caches nothing, and
 * leaves the encoder giving the same embedding as a run that was never stopped.
 */
class EncoderMonitorTest {
    private static PromptEmbeddingCache cache;
    private static PromptEncoder encoder;

    @BeforeAll
    static void open() throws IOException {
        Path model = Golden.file("e2e-tiny/model");
        cache = new PromptEmbeddingCache(10L << 20);
        encoder = PromptEncoder.open(model.resolve("tokenizer"), model.resolve("text_encoder/config.json"),
                WeightSources.open(model.resolve("text_encoder")), "e2e-tiny", cache, ElementType.FLOAT32);
    }

    @AfterAll
    static void close() throws IOException {
        encoder.close();
    }

    /** Thrown by a monitor to stop the work, as the pipeline's cancel does. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void everyLayerIsReportedUpToExactlyOne() throws IOException {
        List<String> events = new ArrayList<>();
        encoder.encode("a lighthouse in fog, reported", (f, d) -> events.add(f + " " + d));
        assertEquals(List.of("0.0 ", "0.5 layer 1/2", "1.0 layer 2/2"), events);
        events.clear();
        encoder.encode("a lighthouse in fog, reported", (f, d) -> events.add(f + " " + d));
        assertEquals(List.of(), events, "a cached prompt runs no layer");
    }

    @Test
    void aStopBetweenLayersFreesEveryTemporaryCachesNothingAndTheNextEncodingIsUnchanged() throws IOException {
        String prompt = "a lighthouse in fog, stopped";
        Stop stop = new Stop();
        try (TensorScope outer = TensorScope.open()) {
            assertSame(stop, assertThrows(Stop.class, () -> encoder.encode(prompt, (f, d) -> {
                if (d.equals("layer 1/2")) {
                    throw stop;
                }
            })));
            assertEquals(0, outer.size(), "a stopped encoding leaves no tensor behind");
        }
        assertFalse(cache.contains(new PromptEmbeddingCache.Key(encoder.modelIdentity(),
                encoder.template().identity(), prompt)), "a stopped encoding is not cached");
        PromptEmbedding after = encoder.encode(prompt);
        try (PromptEncoder uncached = PromptEncoder.open(Golden.file("e2e-tiny/model/tokenizer"),
                Golden.file("e2e-tiny/model/text_encoder/config.json"),
                WeightSources.open(Golden.file("e2e-tiny/model/text_encoder")), "e2e-tiny", null,
                ElementType.FLOAT32)) {
            assertArrayEquals(uncached.encode(prompt).toFloatArray(), after.toFloatArray());
        }
    }
}
