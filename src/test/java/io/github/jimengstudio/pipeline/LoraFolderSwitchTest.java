package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.pipeline.ResidencyPlan.Component;
import io.github.jimengstudio.pipeline.ZImagePipelineTest.Events;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another LoRA folder changes which LoRAs there are, never the loaded base model. */
class LoraFolderSwitchTest {

    @Test
    void anotherLoraFolderKeepsTheLoadedNetworksAndOffersItsOwnLoras(@TempDir Path tmp) throws IOException {
        Path styles = tmp.resolve("styles");
        Files.createDirectories(styles.resolve("ink"));
        Files.copy(Golden.file("lora-tiny/peft.safetensors"), styles.resolve("ink/wash.safetensors"));
        PipelineOptions options = PipelineOptions.defaults().withLoraFolder(Golden.file("lora-tiny"));
        GenerationRequest.Builder small = E2eCase.named("case_a").request().size(128, 128).steps(2);
        try (ZImagePipeline p = ZImagePipeline.load(ZImagePipelineTest.locate(Golden.file("e2e-tiny/model")),
                options)) {
            assertEquals(Golden.file("lora-tiny").toAbsolutePath().normalize(), p.options().loraFolder());
            byte[] base = p.generate(small.build()).rgb();
            byte[] peft = p.generate(small.loras(List.of(new LoraUse("peft", 0.8))).build()).rgb();
            assertFalse(Arrays.equals(base, peft), "the LoRA changes the picture");

            p.useLoraLibrary(new LoraLibrary(styles));
            assertEquals(styles, p.loraLibrary().folder());
            assertEquals(styles, p.options().loraFolder());
            Events events = new Events();
            GeneratedImage wash = p.generate(small.loras(List.of(new LoraUse("ink/wash", 0.8))).build(), events,
                    CancellationToken.none());
            assertFalse(events.log.contains("stage LOADING"), "nothing was loaded again: " + events.log);
            assertArrayEquals(peft, wash.rgb(), "the same file from the new folder, on the same transformer");
            InvalidRequestException gone = assertThrows(InvalidRequestException.class,
                    () -> p.generate(small.loras(List.of(new LoraUse("peft", 0.8))).build()));
            assertTrue(gone.getMessage().startsWith("No LoRA named 'peft' in " + styles + ". Available: ink/wash."),
                    "the library was scanned for the miss: " + gone.getMessage());

            p.useLoraLibrary(null);
            assertNull(p.loraLibrary());
            assertNull(p.options().loraFolder());
            assertThrows(InvalidRequestException.class,
                    () -> p.generate(small.loras(List.of(new LoraUse("ink/wash", 0.8))).build()));
            Events plain = new Events();
            assertArrayEquals(base, p.generate(small.loras(List.of()).build(), plain, CancellationToken.none())
                    .rgb(), "the base model, bit for bit: the old folder's adapters are gone");
            assertFalse(plain.log.contains("stage LOADING"), plain.log.toString());
            assertTrue(p.isLoaded(Component.TRANSFORMER));
        }
    }
}
