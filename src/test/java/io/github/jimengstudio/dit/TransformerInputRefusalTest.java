package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input is refused with a message that names the problem, before any native work: the forward pass creates
 * no tensor, and a bad checkpoint loads no weight.
 */
class TransformerInputRefusalTest {

    private static ZImageTransformerConfig tiny;
    private static SafetensorsFile weights;
    private static ZImageTransformer model;

    @BeforeAll
    static void load() throws IOException {
        tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        weights = SafetensorsFile.open(Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
        model = ZImageTransformer.load(weights, tiny, ElementType.FLOAT32);
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
        weights.close();
    }

    @Test
    void latentSizesThatDoNotDivideIntoPatchesAreRefused() {
        assertRefused(new long[] {16, 1, 31, 32}, new long[] {37, 64}, 0.5f, "does not divide into patches");
        assertRefused(new long[] {16, 1, 32, 17}, new long[] {37, 64}, 0.5f, "multiples of 2");
    }

    @Test
    void latentsOfAnotherChannelCountOrRankAreRefused() {
        assertRefused(new long[] {4, 1, 32, 32}, new long[] {37, 64}, 0.5f, "[16, frames, height, width]");
        assertRefused(new long[] {16, 32, 32}, new long[] {37, 64}, 0.5f, "frame axis");
    }

    @Test
    void captionWidthOtherThanCapFeatDimIsRefused() {
        assertRefused(new long[] {16, 1, 32, 32}, new long[] {37, 63}, 0.5f, "[tokens, 64] (cap_feat_dim");
        assertRefused(new long[] {16, 1, 32, 32}, new long[] {37, 64, 1}, 0.5f, "cap_feat_dim");
    }

    @Test
    void timestepsOutsideZeroToOneAreRefused() {
        for (float t : new float[] {-0.01f, 1.01f, 1000f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertRefused(new long[] {16, 1, 32, 32}, new long[] {37, 64}, t, "must lie in [0, 1]");
        }
    }

    @Test
    void tokenGridsBeyondAxesLensAreRefused() {
        // tiny axes_lens [256, 64, 64]: 65 token rows, or a caption padded to 256 (ids reach 257)
        assertRefused(new long[] {16, 1, 130, 2}, new long[] {37, 64}, 0.5f, "beyond the RoPE tables axes_lens");
        assertRefused(new long[] {16, 1, 2, 130}, new long[] {37, 64}, 0.5f, "beyond the RoPE tables axes_lens");
        assertRefused(new long[] {16, 1, 2, 2}, new long[] {250, 64}, 0.5f, "shorter prompt");
    }

    @Test
    void batchesWithUnequalCountsAreRefused() {
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.zeros(16, 1, 4, 4);
            Tensor cap = Tensor.zeros(3, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(x, x), new float[] {0.5f, 0.5f}, List.of(cap)));
            assertTrue(e.getMessage().contains("2 latents, 2 t values and 1 captions"), e.getMessage());
        }
    }

    @Test
    void aMissingWeightIsNamedBeforeAnythingLoads() throws IOException {
        WeightSource without = RenamedWeights.map(weights, n -> n.equals("layers.1.feed_forward.w2.weight") ? null : n);
        WeightFileException e = assertThrows(WeightFileException.class,
                () -> ZImageTransformer.load(without, tiny, ElementType.FLOAT32));
        assertTrue(e.getMessage().contains("missing 'layers.1.feed_forward.w2.weight' [128, 341]"), e.getMessage());
    }

    @Test
    void misshapedWeightsAreNamedWithBothShapes() throws IOException {
        // the wide model's file under the tiny config: every shape differs
        try (SafetensorsFile wide = SafetensorsFile.open(
                Golden.file("transformer-wide/diffusion_pytorch_model.safetensors"))) {
            ZImageTransformerConfig wideLayers = ZImageTransformerConfig.read(Golden.file("transformer-wide/config.json"));
            ZImageTransformerConfig tinyWidth = new ZImageTransformerConfig(2, 1, 16, 128, wideLayers.nLayers(),
                    wideLayers.nRefinerLayers(), 4, 4, 1e-5, true, 96, 256, 1000, new int[] {8, 12, 12},
                    new int[] {1536, 512, 512});
            WeightFileException e = assertThrows(WeightFileException.class,
                    () -> ZImageTransformer.load(wide, tinyWidth, ElementType.FLOAT32));
            assertTrue(e.getMessage().contains("'x_pad_token' has shape [1, 320], the model expects [1, 128]"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("more"), "the list is capped: " + e.getMessage());
        }
    }

    @Test
    void unexpectedWeightsAreNamed() throws IOException {
        RenamedWeights.Builder b = RenamedWeights.builder(weights, "with an extra tensor");
        for (String n : weights.names()) {
            b.rename(n, n);
        }
        WeightSource extra = b.rename("cap_pad_token", "norm_final.weight").build();
        WeightFileException e = assertThrows(WeightFileException.class,
                () -> ZImageTransformer.load(extra, tiny, ElementType.FLOAT32));
        assertTrue(e.getMessage().contains("unexpected 'norm_final.weight'"), e.getMessage());
    }

    @Test
    void float16ComputeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZImageTransformer.load(weights, tiny, ElementType.FLOAT16));
        assertTrue(e.getMessage().contains("FLOAT32 or BFLOAT16"), e.getMessage());
    }

    /** Runs one item and checks the refusal; the forward pass must not have created a single tensor. */
    private static void assertRefused(long[] latentShape, long[] captionShape, float t, String expected) {
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.zeros(latentShape);
            Tensor cap = Tensor.zeros(captionShape);
            int before = s.size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(List.of(x), new float[] {t}, List.of(cap)));
            assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
            assertEquals(before, s.size(), "the refused call created tensors (native work before validation)");
        }
    }
}
