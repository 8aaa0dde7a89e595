package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LdmVaeNamesTest {

    @Test
    void everyLdmTensorIsADiffusersTensorWithTheSameNumbers() throws IOException {
        try (SafetensorsFile ldm = SafetensorsFile.open(Golden.file("vae-tiny-ldm/ae_tiny_ldm.safetensors"));
                SafetensorsFile diffusers = SafetensorsFile.open(
                        Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"))) {
            assertEquals(244, ldm.names().size());
            Map<String, String> image = new HashMap<>();
            int projections = 0;
            for (String name : ldm.names()) {
                String mapped = LdmVaeNames.toDiffusers(name, 4);
                assertNotNull(mapped, name + " is not in the table");
                assertNull(image.put(mapped, name), mapped + " is the image of two LDM names");
                TensorInfo a = ldm.info(name);
                TensorInfo b = diffusers.info(mapped);
                if (LdmVaeNames.isAttentionProjection(mapped)) {
                    projections++;
                    assertArrayEquals(new long[] {b.dim(0), b.dim(1), 1, 1}, a.shape(), name);
                } else {
                    assertArrayEquals(b.shape(), a.shape(), name + " -> " + mapped);
                }
                assertArrayEquals(diffusers.floats(mapped), ldm.floats(name), name + " -> " + mapped);
            }
            assertEquals(diffusers.names(), image.keySet(), "the table reaches every diffusers tensor");
            assertEquals(8, projections, "q, k, v and out of the encoder's and the decoder's mid attention");
        }
    }

    @Test
    void upBlocksAreCountedFromTheOtherEnd() {
        assertEquals("decoder.up_blocks.3.resnets.0.conv_shortcut.weight",
                LdmVaeNames.toDiffusers("decoder.up.0.block.0.nin_shortcut.weight", 4));
        assertEquals("decoder.up_blocks.0.upsamplers.0.conv.weight",
                LdmVaeNames.toDiffusers("decoder.up.3.upsample.conv.weight", 4));
        assertEquals("decoder.up_blocks.1.resnets.2.norm2.bias",
                LdmVaeNames.toDiffusers("decoder.up.1.block.2.norm2.bias", 3));
        assertEquals("encoder.down_blocks.0.downsamplers.0.conv.bias",
                LdmVaeNames.toDiffusers("encoder.down.0.downsample.conv.bias", 4));
        assertEquals("decoder.mid_block.attentions.0.to_out.0.weight",
                LdmVaeNames.toDiffusers("decoder.mid.attn_1.proj_out.weight", 4));
        assertEquals("decoder.mid_block.resnets.1.conv1.weight",
                LdmVaeNames.toDiffusers("decoder.mid.block_2.conv1.weight", 4));
        assertEquals("decoder.conv_norm_out.weight", LdmVaeNames.toDiffusers("decoder.norm_out.weight", 4));
    }

    @Test
    void namesOutsideTheTableMapToNothing() {
        assertNull(LdmVaeNames.toDiffusers("decoder.up.4.block.0.conv1.weight", 4), "only 4 up blocks");
        assertNull(LdmVaeNames.toDiffusers("decoder.up_blocks.0.resnets.0.conv1.weight", 4), "already diffusers");
        assertNull(LdmVaeNames.toDiffusers("first_stage_model.decoder.conv_in.weight", 4), "prefix not stripped");
        assertNull(LdmVaeNames.toDiffusers("decoder.mid.attn_1.q.scale", 4));
        assertNull(LdmVaeNames.toDiffusers("post_quant_conv.weight", 4));
        assertTrue(LdmVaeNames.isAttentionProjection("decoder.mid_block.attentions.0.to_k.weight"));
        assertFalse(LdmVaeNames.isAttentionProjection("decoder.mid_block.attentions.0.to_k.bias"));
        assertFalse(LdmVaeNames.isAttentionProjection("decoder.mid_block.attentions.0.group_norm.weight"));
    }
}
