package io.github.jimengstudio.textenc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small byte-level BPE {@code tokenizer.json} (written by {@link QwenTokenizerJson}) with the structure of Qwen3's:
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

    /** Merges in rank order; each creates the token "left right" without the space. */
    static final List<String> MERGES = List.of(
            "u s", "e r", "us er",                                   // user
            "a s", "s i", "as si", "a n", "an t", "s t", "assi st", "assist ant", // assistant
            "Ġ c", "a t", "Ġc at");                                  // Ġcat

    private QwenStyleTokenizerFile() {}

    /** The vocabulary in id order: 256 byte symbols in the order of the Qwen2 vocabulary, then the merges. */
    static List<String> regularTokens() {
        List<String> tokens = new ArrayList<>(QwenTokenizerJson.byteLevelVocabulary());
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
        return QwenTokenizerJson.write(dir.resolve("tokenizer.json"), regularTokens(), END_OF_TEXT, MERGES);
    }
}
