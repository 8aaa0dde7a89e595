package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * e2e-tiny up to the prompt embeddings (README-e2e.md §3, §5): the model folder as the real one is laid out —
 * tokenizer/, text_encoder/config.json, BF16 weights in two shards with layer 0 split between them — must give
 * every case's {@code prompt_embeds} (and case c's negative) within 1e-4 + 1e-4·|b|.
 */
class E2ePromptEmbeddingsGoldenTest {

    static PromptEncoder encoder;
    static JsonObject cases;

    @BeforeAll
    static void open() throws IOException {
        Path model = Golden.file("e2e-tiny/model");
        encoder = PromptEncoder.open(model.resolve("tokenizer"), model.resolve("text_encoder/config.json"),
                WeightSources.open(model.resolve("text_encoder")), "e2e-tiny", new PromptEmbeddingCache(1 << 20),
                ElementType.FLOAT32);
        cases = JsonParser.parseString(Files.readString(Golden.file("e2e-tiny/expected/cases.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @AfterAll
    static void close() throws IOException {
        encoder.close();
    }

    private static void check(String what, String prompt, SafetensorsFile expected, String prefix, String key)
            throws IOException {
        PromptEmbedding e = encoder.encode(prompt);
        assertArrayEquals(expected.longs(prefix + "token_ids"), e.tokens().ids(), what + ": ids");
        assertArrayEquals(expected.info(key).shape(), e.shape(), what + ": shape");
        double worst = assertWithin(expected.floats(key), e.toFloatArray(), 1e-4, 1e-4, what);
        assertTrue(worst < 2e-5, what + ": float32 should land near 2e-6, got " + worst);
        assertTrue(e.warning().isEmpty(), what);
    }

    @Test
    void everyCasesPromptEmbeddingsAreReproduced() throws IOException {
        int checked = 0;
        for (var element : cases.getAsJsonArray("cases")) {
            JsonObject c = element.getAsJsonObject();
            String name = c.get("name").getAsString();
            try (SafetensorsFile expected = SafetensorsFile.open(Golden.file("e2e-tiny/expected/"
                    + c.get("safetensors").getAsString()))) {
                check(name, c.get("prompt").getAsString(), expected, "", "prompt_embeds");
                checked++;
                if (c.has("negative_template")) {
                    check(name + " negative", c.get("negative_prompt").getAsString(), expected, "negative.",
                            "negative_prompt_embeds");
                    checked++;
                }
            }
        }
        assertEquals(5, checked, "cases a-d and case c's negative prompt");
    }
}
