package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaeConfigTest {

    /** The FLUX VAE config as Z-Image-Turbo ships it (zimage-spec.md §1.1), with {@code edit} spliced in. */
    private static String flux(String edit) {
        return "{\"_class_name\": \"AutoencoderKL\", \"act_fn\": \"silu\", \"in_channels\": 3, \"out_channels\": 3,"
                + " \"latent_channels\": 16, \"block_out_channels\": [128, 256, 512, 512],"
                + " \"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\","
                + " \"UpDecoderBlock2D\"], \"layers_per_block\": 2, \"norm_num_groups\": 32, \"sample_size\": 1024,"
                + " \"scaling_factor\": 0.3611, \"shift_factor\": 0.1159, \"force_upcast\": true,"
                + " \"mid_block_add_attention\": true, \"use_quant_conv\": false, \"use_post_quant_conv\": false"
                + edit + "}";
    }

    private static String messageOf(String json) {
        return assertThrows(VaeConfigException.class, () -> VaeConfig.parse(json, "vae.json")).getMessage();
    }

    @Test
    void theShippedFluxConfigGivesTheFluxDecoder() throws IOException {
        VaeConfig c = VaeConfig.parse(flux(""), "vae.json");
        assertEquals(VaeConfig.flux(), c);
        assertEquals(4, c.upBlockCount());
        assertEquals(List.of(512, 512, 256, 128),
                List.of(c.upBlockChannels(0), c.upBlockChannels(1), c.upBlockChannels(2), c.upBlockChannels(3)));
        assertEquals(512, c.midChannels());
        assertEquals(3, c.resnetsPerUpBlock());
        assertEquals(8, c.upscale());
        assertEquals(0.3611f, (float) c.scalingFactor());
    }

    @Test
    void theGoldenTinyConfigsAreRead() throws IOException {
        for (String f : List.of("vae-tiny/config.json", "e2e-tiny/model/vae/config.json")) {
            VaeConfig c = VaeConfig.read(Golden.file(f));
            assertEquals(new VaeConfig(16, 3, List.of(8, 16, 32, 32), 2, 4, 0.3611, 0.1159), c, f);
            assertEquals(8, c.upscale());
        }
    }

    @Test
    void anotherLatentWidthIsRefusedWithTheReason() {
        String m = messageOf(flux(", \"latent_channels\": 4"));
        assertTrue(m.startsWith("vae.json: latent_channels is 4, but Z-Image decodes 16-channel latents"), m);
        assertTrue(messageOf("{\"use_quant_conv\": false, \"use_post_quant_conv\": false, \"shift_factor\": 0}")
                .contains("latent_channels is 4"), "the class default is 4");
    }

    @Test
    void featuresThisDecoderLacksAreRefusedByName() {
        assertTrue(messageOf(flux(", \"use_post_quant_conv\": true"))
                .startsWith("vae.json: use_post_quant_conv is true"));
        assertTrue(messageOf(flux(", \"use_quant_conv\": true")).startsWith("vae.json: use_quant_conv is true"));
        assertTrue(messageOf(flux("").replace(", \"use_post_quant_conv\": false", ""))
                .contains("use_post_quant_conv is true (or absent, which means true)"));
        assertTrue(messageOf(flux(", \"mid_block_add_attention\": false"))
                .contains("mid_block_add_attention is false, which this VAE does not implement"));
        assertTrue(messageOf(flux(", \"act_fn\": \"gelu\"")).contains("act_fn is 'gelu'"));
        assertTrue(messageOf(flux(", \"_class_name\": \"AutoencoderTiny\""))
                .contains("_class_name is 'AutoencoderTiny', but only AutoencoderKL"));
        assertTrue(messageOf(flux(", \"up_block_types\": [\"UpDecoderBlock2D\", \"AttnUpDecoderBlock2D\","
                + " \"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]")).contains("up_block_types contains"
                + " 'AttnUpDecoderBlock2D'"));
        assertTrue(messageOf(flux(", \"up_block_types\": [\"UpDecoderBlock2D\"]"))
                .contains("up_block_types has 1 entries but block_out_channels has 4"));
    }

    @Test
    void inconsistentNumbersAreNamed() {
        assertTrue(messageOf(flux(", \"norm_num_groups\": 24"))
                .contains("has width 128, which does not divide into norm_num_groups 24"));
        assertTrue(messageOf(flux(", \"block_out_channels\": [], \"up_block_types\": []"))
                .contains("block_out_channels is empty"));
        assertTrue(messageOf(flux(", \"scaling_factor\": 0")).contains("scaling_factor is 0.0"));
        assertTrue(messageOf(flux(", \"shift_factor\": null")).contains("shift_factor is missing"));
        assertTrue(messageOf(flux(", \"layers_per_block\": 0")).contains("layers_per_block is 0"));
        assertTrue(messageOf(flux(", \"block_out_channels\": [128, 256.5]")).contains("expected a whole number"));
        assertTrue(messageOf(flux(", \"block_out_channels\": 512")).contains("expected a list"));
        assertTrue(messageOf("[]").contains("must be a JSON object"));
        assertTrue(messageOf("{\"latent_channels\": 16").contains("not valid JSON"));
    }

    @Test
    void aMissingFileNamesThePath(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("vae").resolve("config.json");
        VaeConfigException e = assertThrows(VaeConfigException.class, () -> VaeConfig.read(missing));
        assertEquals(missing + ": VAE config not found; the model folder needs vae/config.json (download it with"
                + " the model)", e.getMessage());
        Path bad = dir.resolve("config.json");
        Files.writeString(bad, flux(", \"out_channels\": 1"));
        assertTrue(assertThrows(VaeConfigException.class, () -> VaeConfig.read(bad)).getMessage()
                .startsWith(bad + ": out_channels is 1"));
    }
}
