package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ZImageTransformerConfigTest {

    @Test
    void tinyConfigIsReadFieldByField() throws IOException {
        ZImageTransformerConfig c = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        assertEquals(2, c.patchSize());
        assertEquals(1, c.framePatchSize());
        assertEquals(16, c.inChannels());
        assertEquals(128, c.dim());
        assertEquals(2, c.nLayers());
        assertEquals(2, c.nRefinerLayers());
        assertEquals(4, c.nHeads());
        assertEquals(4, c.nKvHeads());
        assertEquals(1e-5, c.normEps());
        assertTrue(c.qkNorm());
        assertEquals(64, c.capFeatDim());
        assertEquals(256.0, c.ropeTheta());
        assertEquals(1000.0, c.tScale());
        assertArrayEquals(new int[] {8, 12, 12}, c.axesDims());
        assertArrayEquals(new int[] {256, 64, 64}, c.axesLens());
        assertEquals(32, c.headDim());
        assertEquals(128, c.adalnDim(), "min(dim, 256) with dim below 256");
        assertEquals(341, c.ffnHidden(), "int(128 / 3 * 8)");
        assertEquals(64, c.patchFeatures());
        assertEquals("2-1", c.patchKey());
    }

    @Test
    void wideConfigCapsTheAdalnWidthAt256() throws IOException {
        ZImageTransformerConfig c = ZImageTransformerConfig.read(Golden.file("transformer-wide/config.json"));
        assertEquals(320, c.dim());
        assertEquals(256, c.adalnDim());
        assertEquals(853, c.ffnHidden());
        assertEquals(64, c.headDim());
        assertEquals(96, c.capFeatDim());
        assertArrayEquals(new int[] {1536, 512, 512}, c.axesLens());
    }

    @Test
    void turboValuesGiveTheSpecShapes() throws IOException {
        ZImageTransformerConfig c = ZImageTransformerConfig.parse("""
                {"_class_name": "ZImageTransformer2DModel", "all_patch_size": [2], "all_f_patch_size": [1],
                 "in_channels": 16, "dim": 3840, "n_layers": 30, "n_refiner_layers": 2, "n_heads": 30,
                 "n_kv_heads": 30, "norm_eps": 1e-05, "qk_norm": true, "cap_feat_dim": 2560, "rope_theta": 256.0,
                 "t_scale": 1000.0, "axes_dims": [32, 48, 48], "axes_lens": [1536, 512, 512]}""", "turbo");
        assertEquals(10240, c.ffnHidden());
        assertEquals(256, c.adalnDim());
        assertEquals(128, c.headDim());
    }

    @Test
    void absentKeysTakeTheDiffusersClassDefaults() throws IOException {
        ZImageTransformerConfig c = ZImageTransformerConfig.parse("{}", "empty");
        assertEquals(3840, c.dim());
        assertArrayEquals(new int[] {1024, 512, 512}, c.axesLens(), "the class default, not Turbo's file");
    }

    @Test
    void unsupportedOrInconsistentConfigsAreRefusedByName() {
        assertMessage("{\"siglip_feat_dim\": 1152}", "Omni");
        assertMessage("{\"_class_name\": \"FluxTransformer2DModel\"}", "_class_name");
        assertMessage("{\"all_patch_size\": [2, 4], \"all_f_patch_size\": [1, 1]}", "exactly one patch size");
        assertMessage("{\"dim\": 128, \"n_heads\": 4, \"axes_dims\": [8, 12, 10]}", "sum to 30");
        assertMessage("{\"dim\": 130, \"n_heads\": 4}", "not divisible");
        assertMessage("{\"dim\": \"big\"}", "expected a number");
        assertMessage("[1, 2]", "JSON object");
    }

    private static void assertMessage(String json, String expected) {
        IOException e = assertThrows(IOException.class, () -> ZImageTransformerConfig.parse(json, "test.json"));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().startsWith("test.json"), e.getMessage());
    }

    @Test
    void aComfyUiTransformerConfigIsReadOffTheShapes() throws IOException {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        for (String file : new String[] {"transformer-tiny-comfy/z_image_tiny_comfy.safetensors",
            "transformer-tiny/diffusion_pytorch_model.safetensors"}) {
            try (WeightSource s = WeightSources.open(Golden.file(file))) {
                ZImageTransformerConfig inferred = ZImageTransformerConfig.fromShapes(s);
                assertEquals(tiny.dim(), inferred.dim(), file);
                assertEquals(tiny.nHeads(), inferred.nHeads(), file);
                assertEquals(tiny.nLayers(), inferred.nLayers(), file);
                assertEquals(tiny.nRefinerLayers(), inferred.nRefinerLayers(), file);
                assertEquals(tiny.capFeatDim(), inferred.capFeatDim(), file);
                assertEquals(tiny.patchSize(), inferred.patchSize(), file);
                assertArrayEquals(tiny.axesDims(), inferred.axesDims(), file);
                assertEquals(tiny.ropeTheta(), inferred.ropeTheta(), file);
                assertEquals(tiny.normEps(), inferred.normEps(), file);
                assertArrayEquals(new int[] {1536, 512, 512}, inferred.axesLens(), "Turbo's tables: " + file);
            }
        }
    }
}
