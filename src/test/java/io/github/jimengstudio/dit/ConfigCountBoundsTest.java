package io.github.jimengstudio.dit;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Counts in transformer/config.json are checked against what the checkpoint holds before anything is built. */
class ConfigCountBoundsTest {

    private static String goldenConfig() throws IOException {
        return Files.readString(Golden.file("e2e-tiny/model/transformer/config.json"));
    }

    @Test
    void aBillionLayersAreRefusedAtOnceNamingTheCountAndWhatTheWeightsHold() throws IOException {
        ZImageTransformerConfig c = ZImageTransformerConfig.parse(
                goldenConfig().replaceFirst("\"n_layers\":\\s*\\d+", "\"n_layers\": 1000000000"), "config.json");
        try (WeightSource w = WeightSources.open(Golden.file("e2e-tiny/model/transformer"))) {
            WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(
                    WeightFileException.class, () -> ZImageWeightNames.check(ZImageWeightNames.canonical(w, c), c)));
            assertMentions(e, "asks for 1000000004 transformer blocks", "hold only 101 tensors, room for at most 7",
                    "does not belong to these weights");
        }
    }

    @Test
    void aRopeAxisLongerThanSupportedIsRefusedByTheConfig() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ZImageTransformerConfig.parse(
                goldenConfig().replaceFirst("\"axes_lens\":\\s*\\[[^]]*]", "\"axes_lens\": [1000000000, 512, 512]"),
                "config.json"));
        assertMentions(e, "config.json: axes_lens [1000000000, 512, 512] asks for 1000000000 positions",
                "at most 65536");
    }

    @Test
    void ropeTablesBeyondTheCapAreRefusedByTheConfig() throws IOException {
        // within the per-axis cap, but the head (and so the tables) made 1000 times wider
        String wide = goldenConfig().replaceFirst("\"dim\":\\s*\\d+", "\"dim\": 8192000")
                .replaceFirst("\"n_heads\":\\s*\\d+", "\"n_heads\": 1")
                .replaceFirst("\"axes_dims\":\\s*\\[[^]]*]", "\"axes_dims\": [2048000, 3072000, 3072000]")
                .replaceFirst("\"axes_lens\":\\s*\\[[^]]*]", "\"axes_lens\": [1536, 512, 512]");
        IOException e = assertThrows(IOException.class, () -> ZImageTransformerConfig.parse(wide, "config.json"));
        assertMentions(e, "ask for RoPE tables of 3145728000 entries; at most 16777216");
    }
}
