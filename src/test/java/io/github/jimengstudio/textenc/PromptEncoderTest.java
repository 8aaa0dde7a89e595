package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt encoder on e2e-tiny's model: cache, truncation, and the refusals that come before native work. */
class PromptEncoderTest {

    static Path model;
    static PromptEmbeddingCache cache;
    static PromptEncoder encoder;

    @BeforeAll
    static void open() throws IOException {
        model = Golden.file("e2e-tiny/model");
        cache = new PromptEmbeddingCache(10L << 20);
        encoder = open(cache);
    }

    static PromptEncoder open(PromptEmbeddingCache cache) throws IOException {
        return PromptEncoder.open(model.resolve("tokenizer"), model.resolve("text_encoder/config.json"),
                WeightSources.open(model.resolve("text_encoder")), "e2e-tiny", cache, ElementType.FLOAT32);
    }

    @AfterAll
    static void close() throws IOException {
        encoder.close();
    }

    @Test
    void aRepeatedPromptIsServedFromTheCacheWithEqualValues() throws IOException {
        long hits = cache.hits();
        long misses = cache.misses();
        PromptEmbedding first = encoder.encode("a cached prompt");
        PromptEmbedding second = encoder.encode("a cached prompt");
        assertEquals(misses + 1, cache.misses());
        assertEquals(hits + 1, cache.hits());
        assertSame(first, second);
        try (PromptEncoder uncached = open(null)) {
            PromptEmbedding fresh = uncached.encode("a cached prompt");
            assertNotSame(first, fresh);
            assertArrayEquals(fresh.toFloatArray(), second.toFloatArray(), "a hit equals a fresh encoding");
        }
    }

    @Test
    void theCacheKeyCarriesTheComputeType() {
        assertEquals("e2e-tiny [FLOAT32]", encoder.modelIdentity());
    }

    @Test
    void embeddingsConvertToARuntimeTensor() throws IOException {
        PromptEmbedding e = encoder.encode("to tensor");
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = e.toTensor();
            assertArrayEquals(new long[] {e.length(), 64}, t.shape());
            assertArrayEquals(e.toFloatArray(), t.toFloatArray());
        }
    }

    @Test
    void aPromptOver512TokensIsCutAndTheCallerIsWarned() throws IOException {
        // Each digit is one token, so the templated prompt is 8 + 600 tokens.
        PromptEmbedding e = encoder.encode("7".repeat(600));
        assertEquals(512, e.length());
        assertEquals(608, e.tokens().fullLength());
        assertTrue(e.warning().orElseThrow().contains("608 tokens"), e.warning().orElseThrow());
        PromptEmbedding exact = encoder.encode("7".repeat(504));
        assertEquals(512, exact.length());
        assertTrue(exact.warning().isEmpty());
        // The first 511 tokens agree (causal attention): the cut prompt only lost its end.
        for (int row = 0; row < 511; row += 73) {
            assertEquals(exact.get(row, 5), e.get(row, 5), 0f);
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRefusedBeforeNativeWork() {
        TextEncoderException e = assertThrows(TextEncoderException.class,
                () -> encoder.encoder().forward(new long[] {1, 2, 1000}));
        assertTrue(e.getMessage().contains("token id 1000 at position 2 is outside the text encoder's vocabulary"
                + " (vocab_size 1000)"), e.getMessage());
        assertThrows(TextEncoderException.class, () -> encoder.encoder().forward(new long[] {-1}));
        assertThrows(TextEncoderException.class, () -> encoder.encoder().forward(new long[0]));
    }

    @Test
    void aTokenizerWithIdsBeyondTheVocabularyIsRefused(@TempDir Path dir) throws IOException {
        Qwen3Config tiny = Qwen3Config.read(model.resolve("text_encoder/config.json"));
        try (QwenTokenizer qwenIds = QwenTokenizer.open(QwenStyleTokenizerFile.write(dir))) {
            TextEncoderException e = assertThrows(TextEncoderException.class,
                    () -> PromptEncoder.checkCompatible(qwenIds, tiny));
            assertTrue(e.getMessage().contains("special tokens use id 151643, but the text encoder's vocabulary has"
                    + " only 1000 entries"), e.getMessage());
        }
    }

    @Test
    void aTokenizerWhoseSpecialTokensDisagreeWithTheConfigIsRefused() throws IOException {
        // text-encoder-tiny's config names the real Qwen ids 151643/151645; e2e-tiny's tokenizer uses 350-352.
        Qwen3Config realIds = Qwen3Config.read(Golden.file("text-encoder-tiny/config.json"));
        TextEncoderException e = assertThrows(TextEncoderException.class,
                () -> PromptEncoder.checkCompatible(encoder.tokenizer(), realIds));
        assertTrue(e.getMessage().contains("config.json has bos_token_id 151643, but in this tokenizer"
                + " <|endoftext|>, <|im_start|> and <|im_end|> are 350, 351 and 352"), e.getMessage());
    }

    @Test
    void aMissingTokenizerIsReportedAndTheWeightsAreReleased(@TempDir Path dir) throws IOException {
        WeightSource weights = WeightSources.open(model.resolve("text_encoder"));
        TextEncoderException e = assertThrows(TextEncoderException.class, () -> PromptEncoder.open(
                dir.resolve("tokenizer"), model.resolve("text_encoder/config.json"), weights, "x", null,
                ElementType.FLOAT32));
        assertTrue(e.getMessage().contains("tokenizer not found"), e.getMessage());
        IOException closed = assertThrows(IOException.class, () -> weights.data("model.norm.weight"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void weightsOfAnotherShapeAreRefusedBeforeLoading() throws IOException {
        // text-encoder-tiny's weights against a config with a wider MLP.
        Qwen3Config wider = new Qwen3Config(64, 3, 4, 2, 32, 192, 1000, 1e-6, 1e6, 40960, -1, -1);
        try (SafetensorsFile weights = SafetensorsFile.open(Golden.file("text-encoder-tiny/model.safetensors"))) {
            var e = assertThrows(IOException.class, () -> Qwen3Encoder.load(wider, weights, ElementType.FLOAT32));
            assertTrue(e.getMessage().contains("mlp.gate_proj.weight is [160, 64], expected [192, 64]"), e.getMessage());
        }
    }

    @Test
    void theConfigCanBeReadOffTheShapesWhenNoConfigJsonExists() throws IOException {
        try (WeightSource weights = WeightSources.open(model.resolve("text_encoder"))) {
            Qwen3Config fromShapes = Qwen3Config.fromShapes(weights);
            Qwen3Config fromFile = Qwen3Config.read(model.resolve("text_encoder/config.json"));
            assertEquals(new Qwen3Config(fromFile.hiddenSize(), fromFile.numHiddenLayers(),
                    fromFile.numAttentionHeads(), fromFile.numKeyValueHeads(), fromFile.headDim(),
                    fromFile.intermediateSize(), fromFile.vocabSize(), fromFile.rmsNormEps(), fromFile.ropeTheta(),
                    fromFile.maxPositionEmbeddings(), -1, -1), fromShapes);
        }
    }
}
