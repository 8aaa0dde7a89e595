package io.github.jimengstudio.textenc;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Qwen2/Qwen3 byte-level BPE, read from the model's own {@code tokenizer/tokenizer.json} by Hugging Face's
 * {@code tokenizers} library (through DJL's binding, which bundles the native library; this is the tokenizer, not
 * DJL's tensor engine). No BPE is written here: the library applies the file's normalizer (NFC), the Qwen split
 * regex, the byte-to-unicode map and the merges exactly as transformers does.
 *
 * <p>Like diffusers' call, no special tokens are added (Qwen has no BOS; its post-processor adds nothing): the
 * chat template already spells out {@code <|im_start|>} and {@code <|im_end|>}, which the library cuts out of the
 * text whole before BPE. Truncation is done here rather than in the library, so that it can be reported.
 *
 * <p>Thread-safe: the native tokenizer is immutable once loaded.
 */
public final class QwenTokenizer implements AutoCloseable {

    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final long endOfTextId;
    private final long imStartId;
    private final long imEndId;

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Path file) throws TextEncoderException {
        this.tokenizer = tokenizer;
        this.file = file;
        this.endOfTextId = specialId(END_OF_TEXT);
        this.imStartId = specialId(IM_START);
        this.imEndId = specialId(IM_END);
    }

    /**
     * Loads a tokenizer from a {@code tokenizer.json} file, or from a folder that holds one (the model's
     * {@code tokenizer/} folder).
     */
    public static QwenTokenizer open(Path fileOrFolder) throws TextEncoderException {
        Path file = Files.isDirectory(fileOrFolder) ? fileOrFolder.resolve("tokenizer.json") : fileOrFolder;
        if (!Files.isRegularFile(file)) {
            throw new TextEncoderException(file + ": tokenizer not found; the model folder needs"
                    + " tokenizer/tokenizer.json (the Hugging Face tokenizer file that comes with the model)");
        }
        HuggingFaceTokenizer hf;
        try {
            // Options spelled out: otherwise the library pads/truncates to model_max_length and warns about it.
            hf = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "false",
                    "truncation", "false",
                    "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new TextEncoderException(file + ": not a usable Hugging Face tokenizer.json (" + e.getMessage()
                    + "); download the model's tokenizer folder again", e);
        }
        try {
            return new QwenTokenizer(hf, file);
        } catch (TextEncoderException | RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /**
     * A special token must come out as one id of its own; a tokenizer that splits it into byte pieces is not a
     * Qwen tokenizer, and the template would silently turn into ordinary text.
     */
    private long specialId(String token) throws TextEncoderException {
        Encoding e = tokenizer.encode(token, false, false);
        long[] ids = e.getIds();
        if (ids.length != 1 || !token.equals(e.getTokens()[0])) {
            throw new TextEncoderException(file + ": the tokenizer does not know the special token " + token
                    + " (it becomes " + Arrays.toString(e.getTokens()) + "); Z-Image needs the Qwen3 tokenizer"
                    + " that comes with the model (tokenizer/tokenizer.json)");
        }
        return ids[0];
    }

    /**
     * Tokenizes {@code text} (the already templated prompt) and keeps at most {@code maxTokens} ids from the start,
     * as {@code truncation=True, max_length=maxTokens} does.
     */
    public TokenizedPrompt encode(String text, int maxTokens) throws TextEncoderException {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens is " + maxTokens + "; it must be 1 or more");
        }
        checkText(text);
        long[] all;
        synchronized (this) {
            if (tokenizer.isReleased()) {
                throw new IllegalStateException("tokenizer " + file + " is closed");
            }
            all = tokenizer.encode(text, false, false).getIds();
        }
        long[] kept = all.length > maxTokens ? Arrays.copyOf(all, maxTokens) : all;
        return new TokenizedPrompt(kept, all.length);
    }

    /**
     * Java strings may hold unpaired UTF-16 surrogates, which have no UTF-8 form; the native call would turn them
     * into replacement characters silently. Refuse them by position instead.
     */
    private static void checkText(String text) throws TextEncoderException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new TextEncoderException("the prompt holds an incomplete character (unpaired UTF-16 surrogate"
                        + " U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + " at index " + i
                        + "); retype or re-paste the text around it");
            }
        }
    }

    /** Id of {@code <|endoftext|>}, the padding token (151643 in Qwen3). */
    public long endOfTextId() {
        return endOfTextId;
    }

    /** Id of {@code <|im_start|>} (151644 in Qwen3). */
    public long imStartId() {
        return imStartId;
    }

    /** Id of {@code <|im_end|>} (151645 in Qwen3). */
    public long imEndId() {
        return imEndId;
    }

    /** The tokenizer file, for messages. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
    }
}
