package io.github.jimengstudio.textenc;

import com.google.gson.Gson;
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
 * Writes a small byte-level BPE {@code tokenizer.json} in Hugging Face's format with the structure of Qwen3's:
 * NFC, the Qwen split regex, ByteLevel, 256 byte symbols in GPT-2 order, a few merges, regular ids up to 151642
 * and the special tokens at their real ids 151643–151645.
 *
 * <p>The library assigns an added token the id "vocabulary size + index" whatever the file says, so the regular
 * vocabulary really has to hold 151,643 entries for the specials to land where Qwen3 has them. The entries after
 * the merges are placeholders no text can produce.
 */
final class QwenStyleTokenizerFile {

    static final int END_OF_TEXT = 151643;
    static final int IM_START = 151644;
    static final int IM_END = 151645;
    static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Merges in rank order; each creates the token "left right" without the space. */
    static final List<String> MERGES = List.of(
            "u s", "e r", "us er",                                   // user
            "a s", "s i", "as si", "a n", "an t", "s t", "assi st", "assist ant", // assistant
            "Ġ c", "a t", "Ġc at");                                  // Ġcat

    private QwenStyleTokenizerFile() {}

    /** GPT-2's byte-to-unicode table: printable bytes map to themselves, the rest to U+0100 upwards. */
    static String[] byteSymbols() {
        String[] symbols = new String[256];
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            printable.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable.add(b);
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            symbols[b] = printable.contains(b) ? String.valueOf((char) b) : String.valueOf((char) (256 + next++));
        }
        return symbols;
    }

    /** The vocabulary in id order: 256 byte symbols in the order of the Qwen2 vocabulary, then the merges. */
    static List<String> regularTokens() {
        String[] symbols = byteSymbols();
        List<String> tokens = new ArrayList<>();
        // Qwen2 lists the printable bytes first (in byte order), then the remapped ones: '!' = 0, 'Ġ' = 220.
        for (int b = 0; b < 256; b++) {
            if (symbols[b].charAt(0) == b) {
                tokens.add(symbols[b]);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (symbols[b].charAt(0) != b) {
                tokens.add(symbols[b]);
            }
        }
        for (String merge : MERGES) {
            tokens.add(merge.replace(" ", ""));
        }
        return tokens;
    }

    static int id(String token) {
        return switch (token) {
            case "<|endoftext|>" -> END_OF_TEXT;
            case "<|im_start|>" -> IM_START;
            case "<|im_end|>" -> IM_END;
            default -> {
                int i = regularTokens().indexOf(token);
                if (i < 0) {
                    throw new IllegalArgumentException("no token " + token);
                }
                yield i;
            }
        };
    }

    static Path write(Path dir) throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<String> regular = regularTokens();
        for (int i = 0; i < END_OF_TEXT; i++) {
            vocab.put(i < regular.size() ? regular.get(i) : "<unused_" + i + ">", i);
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
        model.put("merges", MERGES);

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

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", List.of(
                added(END_OF_TEXT, "<|endoftext|>"), added(IM_START, "<|im_start|>"), added(IM_END, "<|im_end|>")));
        root.put("normalizer", Map.of("type", "NFC"));
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(split, byteLevel)));
        root.put("post_processor", byteLevel);
        root.put("decoder", byteLevel);
        root.put("model", model);

        Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, gson.toJson(root), StandardCharsets.UTF_8);
        return file;
    }

    private static Map<String, Object> added(int id, String content) {
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
