package io.github.jimengstudio.textenc;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a byte-level BPE {@code tokenizer.json} in Hugging Face's format with the structure of Qwen2/Qwen3's
 * (NFC, the Qwen split regex, ByteLevel pre-tokenizer, post-processor and decoder, a BPE model) and Qwen's three
 * special tokens right after the regular vocabulary. The self-test model and the tokenizer tests use it; the
 * real vocabulary always comes from the model's own file.
 *
 * <p>The tokenizers library gives an added token the id "vocabulary size + index" whatever the file says, so the
 * specials land at {@code vocabularySize}, {@code +1}, {@code +2}; regular ids beyond the given tokens are filled
 * with placeholders no text can produce.
 */
public final class QwenTokenizerJson {

    /** The Qwen2 pre-tokenizer split regex. */
    public static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private QwenTokenizerJson() {}

    /**
     * The 256 byte-level symbols in the order of the Qwen2 vocabulary (GPT-2's byte-to-unicode table): the
     * printable bytes first in byte order ('!' = id 0), then the others mapped to U+0100 upwards ('Ġ' = id 220).
     */
    public static List<String> byteLevelVocabulary() {
        List<String> printable = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                printable.add(String.valueOf((char) b));
            } else {
                others.add(String.valueOf((char) (256 + others.size())));
            }
        }
        printable.addAll(others);
        return printable;
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /**
     * Writes the file.
     *
     * @param tokens regular tokens in id order (at most {@code vocabularySize})
     * @param vocabularySize regular ids; the specials follow at this id
     * @param merges BPE merges in rank order, each {@code "left right"}
     */
    public static Path write(Path file, List<String> tokens, int vocabularySize, List<String> merges)
            throws IOException {
        if (tokens.size() > vocabularySize) {
            throw new IllegalArgumentException(tokens.size() + " tokens do not fit " + vocabularySize + " ids");
        }
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < vocabularySize; i++) {
            vocab.put(i < tokens.size() ? tokens.get(i) : "<unused_" + i + ">", i);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.put("vocab", vocab);
        model.put("merges", merges);

        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", false);
        byteLevel.put("use_regex", false);
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("type", "Split");
        split.put("pattern", Map.of("Regex", SPLIT_REGEX));
        split.put("behavior", "Isolated");
        split.put("invert", false);

        List<Object> added = new ArrayList<>();
        String[] specials = {QwenTokenizer.END_OF_TEXT, QwenTokenizer.IM_START, QwenTokenizer.IM_END};
        for (int i = 0; i < specials.length; i++) {
            added.add(special(vocabularySize + i, specials[i]));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", added);
        root.put("normalizer", Map.of("type", "NFC"));
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(split, byteLevel)));
        root.put("post_processor", byteLevel);
        root.put("decoder", byteLevel);
        root.put("model", model);

        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(root),
                StandardCharsets.UTF_8);
        return file;
    }

    private static Map<String, Object> special(int id, String content) {
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("id", id);
        token.put("content", content);
        token.put("single_word", false);
        token.put("lstrip", false);
        token.put("rstrip", false);
        token.put("normalized", false);
        token.put("special", true);
        return token;
    }
}
