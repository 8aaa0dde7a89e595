package io.github.jimengstudio.lora;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One bad file in the LoRA folder costs that file only: the others stay listed and usable. */
class HostileLoraFolderTest {

    @TempDir
    Path dir;

    private static LoraTargets tinyTargets() throws IOException {
        try (SafetensorsFile model = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"))) {
            return LoraTargets.fromWeights(model);
        }
    }

    private static TestLoraFiles factors() {
        return new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", new float[512], 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", new float[512], 128, 4);
    }

    @Test
    void tagFrequencyNested20000DeepCostsOnlyTheTriggerWordsAndTheOtherLorasStayUsable() throws IOException {
        factors().meta("ss_tag_frequency", "[".repeat(20_000) + "]".repeat(20_000))
                .write(dir.resolve("deep.safetensors"));
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), dir.resolve("good.safetensors"));
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        assertEquals(List.of("deep", "good"), lib.entries().stream().map(LoraInfo::name).toList());
        assertTrue(lib.info("deep").usable(), String.valueOf(lib.info("deep").problem()));
        assertEquals(List.of(), lib.info("deep").triggerWords());
        assertEquals(30, lib.load("good", new LoraParser(tinyTargets())).adapters().size());
    }

    /** A PEFT adapter config nested 20,000 deep (it was a StackOverflowError), or with values of the wrong kind. */
    static Stream<Arguments> badAdapterConfigs() {
        return Stream.of(Arguments.of("{\"r\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}",
                        "nests JSON deeper than 64 levels"),
                Arguments.of("{\"r\": {\"a\": 1}, \"rank_pattern\": [1]}", "value of the wrong kind"));
    }

    @ParameterizedTest
    @MethodSource("badAdapterConfigs")
    void aBadPeftAdapterConfigIsThatLorasRefusalAndNothingElses(String config, String problem) throws IOException {
        factors().meta(PeftAdapterConfig.METADATA_KEY, config).write(dir.resolve("bad.safetensors"));
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), dir.resolve("good.safetensors"));
        LoraLibrary lib = new LoraLibrary(dir);
        LoraRejectedException e = assertThrows(LoraRejectedException.class,
                () -> lib.load("bad", new LoraParser(tinyTargets())));
        assertMentions(e, "lora_adapter_metadata", problem);
        assertEquals(30, lib.load("good", new LoraParser(tinyTargets())).adapters().size());
    }

    @Test
    void linkLoopsDanglingLinksAndFifosCostOnlyThemselvesAndAreListedWithTheReason() throws Exception {
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), dir.resolve("good.safetensors"));
        Files.createDirectories(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("sub/loop"), dir); // the folder inside itself
        Files.createSymbolicLink(dir.resolve("self.safetensors"), dir.resolve("self.safetensors"));
        Files.createSymbolicLink(dir.resolve("gone.safetensors"), dir.resolve("nowhere.safetensors"));
        assertEquals(0, new ProcessBuilder("mkfifo", dir.resolve("pipe.safetensors").toString()).start().waitFor());
        LoraLibrary lib = new LoraLibrary(dir);
        lib.rescan();
        assertEquals(List.of("gone", "good", "pipe", "self"), lib.entries().stream().map(LoraInfo::name).toList());
        assertTrue(lib.info("good").usable());
        assertEquals(30, lib.load("good", new LoraParser(tinyTargets())).adapters().size());
        for (String bad : List.of("gone", "pipe", "self")) {
            assertTrue(problem(lib, bad).startsWith("not a LoRA file: it is "), bad + ": " + problem(lib, bad));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lib.resolve(bad));
            assertMentions(e, "LoRA '" + bad + "' in " + dir + " cannot be used: not a LoRA file");
        }
        assertEquals("not a LoRA file: it is a FIFO, device or socket, not an ordinary file", problem(lib, "pipe"));
        assertEquals("not a LoRA file: it is a link to nothing", problem(lib, "gone"));
        assertTrue(problem(lib, "self").contains("Too many levels of symbolic links"), problem(lib, "self"));
        assertTrue(lib.rescan().isEmpty(), "an unchanged refusal is no change");
    }

    private static String problem(LoraLibrary lib, String name) {
        return lib.entries().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().problem();
    }

    @Test
    void aLoraFolderThatIsMissingOrAFileIsNamedAsSuchNotAsAMissingLora() throws IOException {
        Path file = Files.writeString(dir.resolve("loras.txt"), "x");
        IllegalArgumentException asFile = assertThrows(IllegalArgumentException.class,
                () -> new LoraLibrary(file).ensureScanned().resolve("style"));
        assertEquals("No LoRA named 'style': the LoRA folder " + file + " is a file, not a folder.",
                asFile.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new LoraLibrary(dir.resolve("nope")).ensureScanned().resolve("style"));
        assertEquals("No LoRA named 'style': the LoRA folder " + dir.resolve("nope") + " does not exist.",
                missing.getMessage());
    }
}
