package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The text side of e2e-tiny up to the token ids: the model folder's own tokenizer must give the reference
 * pipeline's template strings and ids exactly (README-e2e.md §2.4, §3).
 */
class E2eTokenizerGoldenTest {

    static QwenTokenizer tokenizer;
    static JsonObject cases;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = QwenTokenizer.open(Golden.file("e2e-tiny/model/tokenizer"));
        cases = JsonParser.parseString(Files.readString(Golden.file("e2e-tiny/expected/cases.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static long[] longs(JsonElement array) {
        JsonArray a = array.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static List<JsonObject> all(String key) {
        List<JsonObject> out = new ArrayList<>();
        cases.getAsJsonArray(key).forEach(e -> out.add(e.getAsJsonObject()));
        assertFalse(out.isEmpty(), key + " is empty");
        return out;
    }

    @Test
    void specialTokensAreTheTinyVocabularysAddedTokens() {
        assertEquals(350, tokenizer.endOfTextId());
        assertEquals(351, tokenizer.imStartId());
        assertEquals(352, tokenizer.imEndId());
    }

    @Test
    void everyCaseGetsTheReferenceTemplateAndTokenIds() throws IOException {
        int checked = 0;
        for (JsonObject c : all("cases")) {
            String name = c.get("name").getAsString();
            checkPrompt(name, c.get("prompt").getAsString(), c.get("template").getAsString(),
                    longs(c.get("token_ids")), c.get("num_tokens").getAsInt());
            try (SafetensorsFile expected = SafetensorsFile.open(Golden.file("e2e-tiny/expected/"
                    + c.get("safetensors").getAsString()))) {
                checkAgainstTensors(name, expected, "", longs(c.get("token_ids")));
                if (c.has("negative_template")) {
                    long[] negIds = longs(c.get("negative_token_ids"));
                    checkPrompt(name + " (negative)", c.get("negative_prompt").getAsString(),
                            c.get("negative_template").getAsString(), negIds, negIds.length);
                    checkAgainstTensors(name + " (negative)", expected, "negative.", negIds);
                    checked++;
                }
            }
            checked++;
        }
        assertEquals(5, checked, "cases a-d plus case c's negative prompt");
    }

    private static void checkPrompt(String name, String prompt, String template, long[] ids, int numTokens)
            throws IOException {
        assertEquals(template, ChatTemplate.QWEN3_USER_TURN.apply(prompt), name + ": template");
        TokenizedPrompt t = tokenizer.encode(template, 512);
        assertArrayEquals(ids, t.ids(), name + ": token ids");
        assertEquals(numTokens, t.length(), name + ": token count");
        assertFalse(t.truncated(), name);
    }

    /** The ids also match the case's tensors, and padding them as the reference did gives its input_ids. */
    private static void checkAgainstTensors(String name, SafetensorsFile expected, String prefix, long[] ids)
            throws IOException {
        assertArrayEquals(ids, expected.longs(prefix + "token_ids"), name + ": token_ids tensor");
        long[] inputIds = expected.longs(prefix + "input_ids");
        long[] mask = expected.longs(prefix + "attention_mask");
        assertEquals(512, inputIds.length, name);
        long[] padded = Arrays.copyOf(ids, 512);
        Arrays.fill(padded, ids.length, 512, tokenizer.endOfTextId());
        assertArrayEquals(padded, inputIds, name + ": input_ids = ids right-padded with <|endoftext|>");
        assertEquals(ids.length, Arrays.stream(mask).sum(), name + ": attention mask covers the real tokens");
    }

    @Test
    void tokenizerChecksGiveTheReferenceIds() throws IOException {
        List<JsonObject> checks = all("tokenizer_checks");
        for (JsonObject check : checks) {
            String text = check.get("text").getAsString();
            assertArrayEquals(longs(check.get("ids")), tokenizer.encode(text, 512).ids(), text);
        }
        assertTrue(checks.size() >= 3, "P1, P2 and the whitespace/special-token string");
    }
}
