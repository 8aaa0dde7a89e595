package io.github.jimengstudio.textenc;

import java.io.IOException;

/**
 * The text encoder cannot be set up or cannot take this input: a missing or malformed {@code config.json} or
 * {@code tokenizer.json}, a tokenizer that does not belong to the model, token ids outside the embedding table.
 * The message names the file or value and what to do about it. Raised before any native work starts.
 */
public class TextEncoderException extends IOException {
    private static final long serialVersionUID = 1L;

    public TextEncoderException(String message) {
        super(message);
    }

    public TextEncoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
