package io.github.jimengstudio.textenc;

import io.github.jimengstudio.runtime.Tensor;
import java.util.Optional;

/**
 * The encoded prompt the DiT reads as {@code cap_feats}: one row of {@code hidden} floats per token, the raw
 * output of the encoder's second-to-last layer, padding already absent.
 *
 * <p>Held on the Java heap, not as a runtime tensor: the prompt cache keeps these across generations, and a heap
 * array pins no native or GPU memory, needs no closing when evicted and survives the encoder being unloaded
 * (BALANCED and LOW_VRAM modes release it before the DiT runs). Uploading one for a step costs little: at most
 * 512 × 2560 floats (5 MB) per prompt, against a DiT forward pass of billions of multiply-adds.
 *
 * <p>Immutable: the accessors return copies, so a cached embedding cannot be changed by a caller.
 */
public final class PromptEmbedding {

    private final float[] values;
    private final int hidden;
    private final TokenizedPrompt tokens;

    /** @param values row-major {@code [tokens.length(), hidden]} (copied) */
    public PromptEmbedding(float[] values, int hidden, TokenizedPrompt tokens) {
        if (hidden < 1 || (long) tokens.length() * hidden != values.length) {
            throw new IllegalArgumentException("embedding of " + values.length + " values is not [" + tokens.length()
                    + ", " + hidden + "]");
        }
        this.values = values.clone();
        this.hidden = hidden;
        this.tokens = tokens;
    }

    /** Number of rows (tokens): {@code Lc}. */
    public int length() {
        return tokens.length();
    }

    /** Row width: the encoder's hidden size (2560 for Qwen3-4B). */
    public int hidden() {
        return hidden;
    }

    public long[] shape() {
        return new long[] {length(), hidden};
    }

    /** A copy of the values, row-major {@code [length, hidden]}. */
    public float[] toFloatArray() {
        return values.clone();
    }

    /** The values as a float32 runtime tensor {@code [length, hidden]} on the runtime's device (a new tensor). */
    public Tensor toTensor() {
        return Tensor.of(values, length(), hidden);
    }

    /** One value, without copying the whole embedding. */
    public float get(int row, int column) {
        if (row < 0 || row >= length() || column < 0 || column >= hidden) {
            throw new IndexOutOfBoundsException("(" + row + ", " + column + ") outside [" + length() + ", " + hidden
                    + "]");
        }
        return values[row * hidden + column];
    }

    /** The token ids the embedding was computed from. */
    public TokenizedPrompt tokens() {
        return tokens;
    }

    /** The truncation warning for the user, if the prompt was cut. */
    public Optional<String> warning() {
        return tokens.warning();
    }

    /** Heap bytes this embedding occupies (values and ids), which the prompt cache counts against its budget. */
    public long byteSize() {
        return (long) values.length * Float.BYTES + (long) tokens.length() * Long.BYTES;
    }

    @Override
    public String toString() {
        return "PromptEmbedding[" + length() + " x " + hidden + (tokens.truncated() ? ", truncated" : "") + "]";
    }
}
