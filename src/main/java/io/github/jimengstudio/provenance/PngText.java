package io.github.jimengstudio.provenance;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One PNG text chunk: {@code tEXt} (Latin-1 only) or {@code iTXt} (UTF-8, for prompts in any language).
 *
 * @param keyword       1–79 printable Latin-1 characters, no leading, trailing or double spaces (PNG spec 11.3.4)
 * @param text          the value
 * @param international true for {@code iTXt}, false for {@code tEXt}
 */
public record PngText(String keyword, String text, boolean international) {

    public PngText {
        Objects.requireNonNull(keyword, "keyword");
        Objects.requireNonNull(text, "text");
        if (keyword.isEmpty() || keyword.length() > 79 || keyword.startsWith(" ") || keyword.endsWith(" ")
                || keyword.contains("  ")) {
            throw new IllegalArgumentException("PNG text keyword '" + keyword + "' must be 1-79 characters without "
                    + "leading, trailing or double spaces");
        }
        for (char c : keyword.toCharArray()) {
            if (c < 32 || c > 255 || (c > 126 && c < 161)) {
                throw new IllegalArgumentException("PNG text keyword '" + keyword + "' has a character outside "
                        + "printable Latin-1");
            }
        }
        if (!international && !StandardCharsets.ISO_8859_1.newEncoder().canEncode(text)) {
            throw new IllegalArgumentException("PNG tEXt '" + keyword + "' holds characters outside Latin-1; "
                    + "use an iTXt chunk (international = true)");
        }
    }

    /** A {@code tEXt} chunk. */
    public static PngText latin1(String keyword, String text) {
        return new PngText(keyword, text, false);
    }

    /** An {@code iTXt} chunk (UTF-8, uncompressed). */
    public static PngText utf8(String keyword, String text) {
        return new PngText(keyword, text, true);
    }
}
