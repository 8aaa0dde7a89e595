package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.textenc.QwenStyleTokenizerFile.END_OF_TEXT;
import static io.github.jimengstudio.textenc.QwenStyleTokenizerFile.IM_END;
import static io.github.jimengstudio.textenc.QwenStyleTokenizerFile.IM_START;
import static io.github.jimengstudio.textenc.QwenStyleTokenizerFile.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer wrapper on a Qwen3-shaped tokenizer.json written by the test (real special-token ids). */
class QwenTokenizerTest {

    @TempDir
    static Path dir;
    static QwenTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = QwenTokenizer.open(QwenStyleTokenizerFile.write(dir));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static long[] ids(String... tokens) {
        return Stream.of(tokens).mapToLong(QwenStyleTokenizerFile::id).toArray();
    }

    @Test
    void specialTokensHaveTheirQwenIds() {
        assertEquals(151643, tokenizer.endOfTextId());
        assertEquals(151644, tokenizer.imStartId());
        assertEquals(151645, tokenizer.imEndId());
    }

    @Test
    void templatedPromptBecomesSpecialTokensAndMergedWords() throws IOException {
        TokenizedPrompt t = tokenizer.encode(ChatTemplate.QWEN3_USER_TURN.apply("a cat"), 512);
        long[] expected = ids("<|im_start|>", "user", "Ċ", "a", "Ġcat", "<|im_end|>", "Ċ",
                "<|im_start|>", "assistant", "Ċ");
        assertArrayEquals(expected, t.ids());
        assertEquals(IM_START, t.id(0));
        assertEquals(IM_END, t.id(5));
        assertFalse(t.truncated());
        assertTrue(t.warning().isEmpty());
    }

    @Test
    void specialTokenInsideTheTextIsCutOutWholeNotSplitIntoBytes() throws IOException {
        assertArrayEquals(new long[] {id("x"), END_OF_TEXT, id("y"), id("Ġ"), id("<"), id("|")},
                tokenizer.encode("x<|endoftext|>y <|", 512).ids());
    }

    @Test
    void noSpecialTokensAreAddedAroundTheText() throws IOException {
        assertArrayEquals(ids("a"), tokenizer.encode("a", 512).ids());
        assertArrayEquals(new long[0], tokenizer.encode("", 512).ids());
    }

    @Test
    void aPromptThatFills512TokensExactlyIsNotTruncated() throws IOException {
        // One letter run is one pre-token without merges: one id per 'x'. The template adds 8 tokens.
        TokenizedPrompt t = tokenizer.encode(ChatTemplate.QWEN3_USER_TURN.apply("x".repeat(504)), 512);
        assertEquals(512, t.length());
        assertEquals(512, t.fullLength());
        assertFalse(t.truncated());
        assertTrue(t.warning().isEmpty());
        assertEquals(id("Ċ"), t.id(511));
    }

    @Test
    void longerPromptsKeepTheFirst512TokensAndWarn() throws IOException {
        String text = ChatTemplate.QWEN3_USER_TURN.apply("x".repeat(506));
        TokenizedPrompt full = tokenizer.encode(text, 10_000);
        TokenizedPrompt cut = tokenizer.encode(text, 512);
        assertEquals(514, full.length());
        assertEquals(512, cut.length());
        assertEquals(514, cut.fullLength());
        assertTrue(cut.truncated());
        assertArrayEquals(Arrays.copyOf(full.ids(), 512), cut.ids());
        // The template's tail is what gets lost, as with truncation=True in the pipeline.
        assertEquals(IM_END, cut.id(509));
        assertEquals(IM_START, cut.id(511));
        String warning = cut.warning().orElseThrow();
        assertTrue(warning.contains("514 tokens") && warning.contains("first 512") && warning.contains("(2 tokens)"),
                warning);
    }

    @Test
    void missingTokenizerFileIsNamed() {
        Path missing = dir.resolve("nowhere").resolve("tokenizer.json");
        TextEncoderException e = assertThrows(TextEncoderException.class, () -> QwenTokenizer.open(missing));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer not found"), e.getMessage());
        TextEncoderException inFolder = assertThrows(TextEncoderException.class,
                () -> QwenTokenizer.open(dir.resolve("nowhere")));
        assertTrue(inFolder.getMessage().contains("tokenizer not found"), inFolder.getMessage());
    }

    @Test
    void aFolderHoldingTokenizerJsonIsAccepted() throws IOException {
        try (QwenTokenizer fromFolder = QwenTokenizer.open(dir)) {
            assertEquals(IM_END, fromFolder.imEndId());
        }
    }

    @Test
    void malformedTokenizerFileIsRefused(@TempDir Path other) throws IOException {
        Path file = Files.writeString(other.resolve("tokenizer.json"), "{\"model\": ");
        TextEncoderException e = assertThrows(TextEncoderException.class, () -> QwenTokenizer.open(file));
        assertTrue(e.getMessage().contains("not a usable Hugging Face tokenizer.json"), e.getMessage());
    }

    @Test
    void tokenizerWithoutTheQwenSpecialTokensIsRefused(@TempDir Path other) throws IOException {
        String json = Files.readString(dir.resolve("tokenizer.json"));
        String stripped = json.replaceFirst("\"added_tokens\":\\[.*?\\],\"normalizer\"",
                "\"added_tokens\":[],\"normalizer\"");
        Path file = Files.writeString(other.resolve("tokenizer.json"), stripped);
        TextEncoderException e = assertThrows(TextEncoderException.class, () -> QwenTokenizer.open(file));
        assertTrue(e.getMessage().contains("does not know the special token <|endoftext|>"), e.getMessage());
    }

    @Test
    void unpairedSurrogateIsRefusedByPosition() throws IOException {
        TextEncoderException e = assertThrows(TextEncoderException.class,
                () -> tokenizer.encode("ab\uD83D", 512));
        assertTrue(e.getMessage().contains("U+D83D at index 2"), e.getMessage());
        assertEquals(4, tokenizer.encode("\uD83D\uDE00", 512).length()); // a complete emoji: 4 UTF-8 bytes
    }
}
