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
            // Every block linear now holds a copy for the last forward's rows: 2 items of 32 image tokens (8x8 and
            // 6x8 latents, padded) in the noise refiner, of 64 caption tokens (40 and 9, padded to the longer) in the
            // context refiner, and of both in the main layers.
            int blockLinears = 0;
            for (Linear l : packed.linears()) {
                long rows = l.name().startsWith("noise_refiner.") ? 2 * 32
                        : l.name().startsWith("context_refiner.") ? 2 * 64
                        : l.name().startsWith("layers.") ? 2 * (32 + 64) : -1;
                if (rows < 0 || l.name().contains("adaLN")) {
                    assertTrue(l.packed() == null, l.name() + " is not a block projection");
                    continue;
                }
                blockLinears++;
                assertTrue(l.packed() != null && l.packed().fits(l.weight(), rows), l.name() + " for " + rows);
            }
            assertEquals(7 * (2 * tiny.nRefinerLayers() + tiny.nLayers()), blockLinears);
            // a forward at the same count keeps them; at another, they are replaced
            Linear toQ = linear(packed, "layers.0.attention.to_q");
            PackedWeight kept = toQ.packed();
            packed.forward(latents, t, captions);
            assertSame(kept, toQ.packed());
            packed.forward(latents, t, List.of(captions.get(0), captions.get(0)));
            assertSame(kept, toQ.packed(), "the same padded count");
            packed.forward(latents.subList(0, 1), new float[] {0.3f}, captions.subList(0, 1));
            assertNotSame(kept, toQ.packed(), "one item: another count, another copy");
            assertTrue(kept.isClosed(), "which replaces it");
            assertTrue(toQ.packed().fits(toQ.weight(), 32 + 64));
        } finally {
            restore(before);
        }
    }

    @Test
    void withoutFreeMemoryBlocksComputeUnpackedAndTryAgainAtTheNextTokenCount() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (SafetensorsFile file = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer m = ZImageTransformer.load(file, tiny, ElementType.FLOAT32);
                TensorScope s = TensorScope.open()) {
            SplittableRandom rnd = new SplittableRandom(6);
            List<Tensor> latents = List.of(random(rnd, 16, 1, 8, 8));
            List<Tensor> captions = List.of(random(rnd, 7, 64));
            float[] t = {0.4f};
            float[] expected;
            // half a block packed beforehand for this count (64 rows): the forward cannot pack w1, so it frees those
            List<PackedWeight> half = new java.util.ArrayList<>();
            for (String n : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
                half.add(linear(m, "layers.0.attention." + n).packedFor(64, 0));
            }
            System.setProperty("jimeng.memoryLimit", "1");
            try {
                expected = m.forward(latents, t, captions).get(0).toFloatArray();
            } finally {
                System.clearProperty("jimeng.memoryLimit");
            }
            Linear toQ = linear(m, "layers.0.attention.to_q");
            assertTrue(half.stream().allMatch(PackedWeight::isClosed), "all or none: the half block's copies freed");
            assertTrue(m.linears().stream().allMatch(l -> l.packed() == null), "no copies left anywhere");
            assertWithin(expected, m.forward(latents, t, captions).get(0).toFloatArray(), 1e-5);
            assertTrue(toQ.packed() == null, "not retried at the refused count");
            m.forward(List.of(random(rnd, 16, 1, 16, 16)), t, captions); // 64 image tokens, not 32
            assertTrue(toQ.packed() != null && toQ.packed().fits(toQ.weight(), 64 + 32), "retried at a new one");
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
