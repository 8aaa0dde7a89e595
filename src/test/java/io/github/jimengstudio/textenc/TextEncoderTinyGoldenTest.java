package io.github.jimengstudio.textenc;

import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * golden/text-encoder-tiny (README-te-vae.md §1): a 3-layer Qwen3 with the real structure, float32, against the
 * transformers forward pass. Tolerance |a − b| ≤ 1e-4 + 1e-4·|b| (§3).
 */
class TextEncoderTinyGoldenTest {

    static final double ATOL = 1e-4;
    static final double RTOL = 1e-4;
    static final int HIDDEN = 64;

    static Qwen3Encoder encoder;
    static SafetensorsFile cases;

    @BeforeAll
    static void load() throws IOException {
        Qwen3Config config = Qwen3Config.read(Golden.file("text-encoder-tiny/config.json"));
        encoder = Qwen3Encoder.load(config,
                SafetensorsFile.open(Golden.file("text-encoder-tiny/model.safetensors")), ElementType.FLOAT32);
        cases = SafetensorsFile.open(Golden.file("text-encoder-tiny/cases.safetensors"));
    }

    @AfterAll
    static void close() throws IOException {
        encoder.close();
        cases.close();
    }

    /** Runs ids unpadded and returns the prompt embedding plus every traced intermediate, copied to the heap. */
    static Map<String, float[]> run(long[] ids) throws IOException {
        Map<String, float[]> seen = new HashMap<>();
        try (TensorScope scope = TensorScope.open()) {
            Tensor out = encoder.forward(ids, (name, value) -> seen.put(name, value.toFloatArray()));
            assertArrayEquals(new long[] {ids.length, HIDDEN}, out.shape());
            seen.put("output", out.toFloatArray());
        }
        return seen;
    }

    /** The real (mask = 1) tokens of row {@code b}; the golden rows are right-padded. */
    static long[] validIds(String c, int b) throws IOException {
        long[] ids = cases.longs(c + ".input_ids");
        long[] mask = cases.longs(c + ".attention_mask");
        int length = Math.toIntExact(cases.info(c + ".input_ids").dim(1));
        int n = 0;
        while (n < length && mask[b * length + n] == 1) {
            n++;
        }
        for (int i = n; i < length; i++) {
            assertEquals(0, mask[b * length + i], "right padding only");
        }
        return Arrays.copyOfRange(ids, b * length, b * length + n);
    }

    @Test
    void ropeTablesMatchTransformers() throws IOException {
        float[][] tables = new RotaryEmbedding(32, 1e6).tables(12);
        assertWithin(cases.floats("case0.debug.rope_cos"), tables[0], 1e-6, 0, "rope cos");
        assertWithin(cases.floats("case0.debug.rope_sin"), tables[1], 1e-6, 0, "rope sin");
    }

    @Test
    void case0MatchesEveryIntermediateOfTheComputedLayers() throws IOException {
        Map<String, float[]> seen = run(validIds("case0", 0));
        List<String> steps = List.of("input_layernorm", "q_proj", "k_proj", "v_proj", "q_norm", "k_norm", "attn_core",
                "o_proj", "post_attention_layernorm", "mlp");
        for (int layer = 0; layer <= 1; layer++) { // layer 2 (the last) is never run: hidden_states[-2] precedes it
            for (String step : steps) {
                String name = "layers." + layer + "." + step;
                assertWithin(cases.floats("case0.debug." + name), seen.get(name), ATOL, RTOL, "case0 " + name);
            }
        }
        assertTrue(seen.keySet().stream().noneMatch(k -> k.startsWith("layers.2.")), "the last layer must not run");
        for (int i = 0; i <= 2; i++) {
            assertWithin(cases.floats("case0.hidden_states." + i), seen.get("hidden_states." + i), ATOL, RTOL,
                    "case0 hidden_states." + i);
        }
        assertWithin(cases.floats("case0.prompt_embeds.0"), seen.get("output"), ATOL, RTOL, "case0 prompt_embeds");
    }

    /** Each row of the reference's padded batch, run alone and unpadded, gives the reference's kept rows. */
    private static void checkPaddedCase(String c, int batch, int[] validCounts) throws IOException {
        float[] layer0 = cases.floats(c + ".hidden_states.1");
        float[] layer1 = cases.floats(c + ".hidden_states.2");
        int length = Math.toIntExact(cases.info(c + ".input_ids").dim(1));
        for (int b = 0; b < batch; b++) {
            long[] ids = validIds(c, b);
            assertEquals(validCounts[b], ids.length, c + " row " + b + " valid tokens");
            Map<String, float[]> seen = run(ids);
            String what = c + " row " + b;
            double worst = assertWithin(cases.floats(c + ".prompt_embeds." + b), seen.get("output"), ATOL, RTOL,
                    what + " prompt_embeds");
            assertWithin(rows(layer1, b * length, ids.length, HIDDEN), seen.get("output"), ATOL, RTOL,
                    what + " hidden_states.2 (valid rows)");
            assertWithin(rows(layer0, b * length, ids.length, HIDDEN), seen.get("hidden_states.1"), ATOL, RTOL,
                    what + " hidden_states.1 (valid rows)");
            assertTrue(worst < 2e-5, what + ": float32 should land near 1e-6, got " + worst);
        }
    }

    @Test
    void paddedBatchEqualsTheUnpaddedRuns() throws IOException {
        checkPaddedCase("case1", 2, new int[] {9, 16});
    }

    @Test
    void pipelineShapedCasePaddedTo512EqualsTheUnpaddedRun() throws IOException {
        checkPaddedCase("case2", 1, new int[] {37});
    }

    /** Rows {@code [0, rows)} of a row-major {@code [*, width]} block starting at row {@code firstRow}. */
    private static float[] rows(float[] data, int firstRow, int rows, int width) {
        float[] out = new float[rows * width];
        System.arraycopy(data, firstRow * width, out, 0, out.length);
        return out;
    }
}
