package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Counts in vae/config.json need no bound of their own: the decoder loads block by block and stops at the first
 * weight the file lacks, so nothing is allocated for blocks that are not there.
 */
class VaeConfigCountBoundsTest {

    @Test
    void aBillionResnetsPerBlockStopAtTheFirstMissingWeight() throws IOException {
        // (the number of blocks must match up_block_types, so the file's own length bounds it)
        String json = Files.readString(Golden.file("e2e-tiny/model/vae/config.json"))
                .replaceFirst("\"layers_per_block\":\\s*\\d+", "\"layers_per_block\": 1000000000");
        VaeConfig c = VaeConfig.parse(json, "vae/config.json");
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(IOException.class, () -> VaeDecoder.load(c, f)));
            assertTrue(e.getMessage().contains("decoder.up_blocks.0.resnets.3"), e.getMessage());
        }
    }
}
