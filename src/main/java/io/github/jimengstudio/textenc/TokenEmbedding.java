package io.github.jimengstudio.textenc;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code embed_tokens}: one row of the embedding table per token id, with no scaling (unlike Gemma).
 *
 * <p>The rows are read straight from the weight file on the host instead of loading the table into the runtime:
 * Qwen3-4B's table is 151936 × 2560 (1.6 GB in float32, a tenth of the model) and a prompt reads at most 512 of
 * its rows. The values are the same ones a loaded table would give: the stored numbers, widened exactly to
 * float32.
 */
final class TokenEmbedding {

    private final WeightSource source;
    private final String name;
    private final TensorInfo info;
    private final int vocabSize;
    private final int hidden;

    /** The table's shape has been checked against the config by {@link Qwen3WeightNames#inspect}. */
    TokenEmbedding(WeightSource source, String name) throws IOException {
        this.source = source;
        this.name = name;
        this.info = source.info(name);
        this.vocabSize = Math.toIntExact(info.dim(0));
        this.hidden = Math.toIntExact(info.dim(1));
    }

    /** Row {@code id} of {@code table} as float32 into {@code out} at {@code offset}. */
    private void readRow(ByteBuffer table, long id, float[] out, int offset) throws IOException {
        int rowBytes = hidden * info.dtype().byteSize();
        ByteBuffer row = table.slice(Math.toIntExact(id * rowBytes), rowBytes);
        WeightSource.decodeFloats(new TensorInfo(name, info.dtype(), new long[] {hidden}, 0, rowBytes), row, out,
                offset);
    }

    /**
     * The embeddings of {@code ids} as a {@code [ids.length, hidden]} tensor of {@code type}.
     *
     * @throws TextEncoderException when an id is outside the table (checked before anything is read)
     */
    Tensor lookup(long[] ids, ElementType type) throws IOException {
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] < 0 || ids[p] >= vocabSize) {
                throw new TextEncoderException("token id " + ids[p] + " at position " + p + " is outside the text"
                        + " encoder's vocabulary (vocab_size " + vocabSize + "): the tokenizer does not belong to this"
                        + " text encoder; use the tokenizer folder of the same model");
            }
        }
        float[] values = new float[ids.length * hidden];
        ByteBuffer table = source.data(name); // one mapping per lookup, not per row
        for (int p = 0; p < ids.length; p++) {
            readRow(table, ids[p], values, p * hidden);
        }
        Tensor rows = Tensor.of(values, ids.length, hidden);
        return type == ElementType.FLOAT32 ? rows : rows.to(type);
    }
}
