package io.github.jimengstudio.textenc;

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

/** num_hidden_layers is checked against what the checkpoint holds before the expected names are built. */
class TextEncoderCountBoundsTest {

    @Test
    void aBillionLayersAreRefusedAtOnceNamingTheCountAndWhatTheWeightsHold() throws IOException {
        String json = Files.readString(Golden.file("e2e-tiny/model/text_encoder/config.json"))
                .replaceFirst("\"num_hidden_layers\":\\s*\\d+", "\"num_hidden_layers\": 1000000000");
        Qwen3Config c = Qwen3Config.parse(json, "config.json");
        try (WeightSource w = WeightSources.open(Golden.file("e2e-tiny/model/text_encoder"))) {
            WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(WeightFileException.class, () -> Qwen3WeightNames.inspect(w, c)));
            assertMentions(e, "asks for 999999999 text encoder layers", "hold only 35 tensors, room for at most 3",
                    "does not belong to these weights");
        }
    }
}
