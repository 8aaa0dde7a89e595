package io.github.jimengstudio.dit;

import static io.github.jimengstudio.dit.BlockPathsTest.assertWithin;
import static io.github.jimengstudio.dit.BlockPathsTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.PackedWeight;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * On a float32 CPU the blocks compute their linears with packed weights, made by the first forward at a token
 * count and kept for the next; the outputs are those of the plain weights up to float32 rounding (the golden
 * comparisons run with packing on).
 */
class PackedLinearsTest {

    @Test
    void blocksPackTheirLinearsOncePerTokenCountAndMatchThePlainModel() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        String before = System.getProperty("jimeng.packedWeights");
        try (SafetensorsFile file = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer packed = ZImageTransformer.load(file, tiny, ElementType.FLOAT32);
                ZImageTransformer plain = loadWithout(file, tiny);
                TensorScope s = TensorScope.open()) {
            assertTrue(packed.packsLinears(), "float32 on this CPU, a model far below a quarter of the memory");
            assertFalse(plain.packsLinears());
            SplittableRandom rnd = new SplittableRandom(5);
            List<Tensor> latents = List.of(random(rnd, 16, 1, 8, 8), random(rnd, 16, 1, 6, 8));
            float[] t = {0.3f, 0.8f};
            List<Tensor> captions = List.of();
            for (int captionTokens : new int[] {5, 40}) { // 40 pads to 64, not 32: other token counts, new packs
                captions = List.of(random(rnd, captionTokens, 64), random(rnd, 9, 64));
                List<Tensor> a = packed.forward(latents, t, captions);
                List<Tensor> b = plain.forward(latents, t, captions);
                for (int i = 0; i < 2; i++) {
                    assertWithin(b.get(i).toFloatArray(), a.get(i).toFloatArray(), 1e-5);
                }
            }
            // A main block's linears see 2 items of 32 image + 64 caption tokens: 192 rows. A forward at that count
            // keeps the copies it finds (a forward at another count would have replaced them).
            Linear toQ = linear(packed, "layers.0.attention.to_q");
            PackedWeight kept = toQ.packedFor(2 * (32 + 64));
            packed.forward(latents, t, captions);
            assertSame(kept, toQ.packedFor(2 * (32 + 64)));
            assertTrue(kept.fits(toQ.weight(), 2 * (32 + 64)));
            assertNotSame(kept, toQ.packedFor(32 + 64), "another token count, another copy");
            assertFalse(kept.fits(toQ.weight(), 2 * (32 + 64)), "which replaces it");
        } finally {
            restore(before);
        }
    }

    private static ZImageTransformer loadWithout(SafetensorsFile file, ZImageTransformerConfig c) throws Exception {
        System.setProperty("jimeng.packedWeights", "false");
        return ZImageTransformer.load(file, c, ElementType.FLOAT32);
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty("jimeng.packedWeights");
        } else {
            System.setProperty("jimeng.packedWeights", before);
        }
    }

    private static Linear linear(ZImageTransformer m, String name) {
        return m.linears().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theWorkingMemoryEstimateCountsPaddedTokensOfEveryItem() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (SafetensorsFile file = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer m = ZImageTransformer.load(file, tiny, ElementType.FLOAT32)) {
            // the attention half's 11 rows of dim outweigh the feed-forward's 4 of dim and 2 of its hidden width
            assertTrue(11L * tiny.dim() > 4L * tiny.dim() + 2L * tiny.ffnHidden());
            long perToken = 11L * tiny.dim() * Float.BYTES;
            assertEquals((1024 + 64) * perToken, m.activationBytes(1, 1024, 64));
            assertEquals(2 * (1024 + 32 + 64) * perToken, m.activationBytes(2, 1040, 37), "padded to 32, per item");
        }
    }
}
