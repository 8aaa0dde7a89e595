package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.DevicePreference;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerateOptionsTest {

    private static GenerateOptions parse(String... args) throws UsageException {
        return GenerateOptions.parse(List.of(args));
    }

    private static String error(String... args) {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void everyOptionReachesTheRequestAndSizeIsWidthByHeight() throws UsageException {
        GenerateOptions o = parse("--prompt", "a red fox", "--model", "/m", "--seed", "18446744073709551615",
                "--steps", "3", "--size", "192x256", "--guidance=3.0", "--negative", "", "--lora", "ink:0.8",
                "--lora", "paper", "--device", "cpu", "--memory-mode", "low-vram", "--precision", "fp32",
                "--cfg-truncation", "0.5", "--cfg-normalization", "1.5", "--out", "x/out.png", "--quiet");
        GenerationRequest r = o.request();
        assertEquals("a red fox", r.prompt());
        assertEquals(-1L, r.seed());
        assertEquals(3, r.steps());
        assertEquals(192, r.width());
        assertEquals(256, r.height());
        assertEquals(3.0, r.guidance());
        assertEquals("", r.negativePrompt());
        assertEquals(List.of(new LoraUse("ink", 0.8), new LoraUse("paper", 1.0)), r.loras());
        assertEquals(MemoryMode.LOW_VRAM, r.memoryMode());
        assertEquals(Precision.FLOAT32, r.precision());
        assertEquals(0.5, r.cfgTruncation());
        assertEquals(1.5, r.cfgNormalization());
        assertEquals(DevicePreference.CPU, o.device());
        assertEquals(Path.of("/m"), o.model());
        assertEquals(Path.of("x/out.png"), o.outFor(r));
        assertTrue(o.quiet());
    }

    @Test
    void defaultsAreTheTurboRecipeWithARandomSeedAndASeedNamedFile() throws UsageException {
        GenerateOptions o = parse("--prompt", "p", "--negative-prompt", "ugly");
        GenerationRequest r = o.request();
        assertFalse(r.hasSeed());
        assertEquals(8, r.steps());
        assertEquals(1024, r.width());
        assertEquals(0.0, r.guidance());
        assertEquals("ugly", r.negativePrompt());
        assertEquals(DevicePreference.AUTO, o.device());
        assertNull(o.model());
        assertEquals(Path.of("jimeng-42.png"), o.outFor(r.toBuilder().seed(42).build()));
        assertFalse(parse("--prompt", "p", "--seed", "random").request().hasSeed());
    }

    @Test
    void badInputNamesTheOption() {
        assertEquals("generate needs --prompt \"...\" (what to draw).", error("--seed", "1"));
        assertEquals("unknown option --sead for 'generate'; see 'jimeng generate --help'.",
                error("--prompt", "p", "--sead", "1"));
        assertEquals("--steps needs a value.", error("--prompt", "p", "--steps"));
        assertEquals("--steps 'eight' is not a whole number.", error("--prompt", "p", "--steps", "eight"));
        assertTrue(error("--prompt", "p", "--steps", "0").startsWith("--steps: steps is 0: use 1 to 100"));
        assertEquals("--size '1024' is not WIDTHxHEIGHT (for example 1024x768: width first).",
                error("--prompt", "p", "--size", "1024"));
        assertTrue(error("--prompt", "p", "--size", "1000x1024").startsWith("--size: width is 1000 px"));
        assertTrue(error("--prompt", "p", "--size", "1024x1000").startsWith("--size: height is 1000 px"));
        assertTrue(error("--prompt", "p", "--seed", "-3").startsWith("--seed: seed '-3' is not a whole number"));
        assertEquals("--guidance 'NaN' is not a finite number.", error("--prompt", "p", "--guidance", "NaN"));
        assertTrue(error("--prompt", "p", "--guidance", "-1").startsWith("--guidance: guidance is -1.0"));
        assertEquals("--device 'tpu' is not one of auto, cpu, gpu.", error("--prompt", "p", "--device", "tpu"));
        assertEquals("--memory-mode 'max' is not one of gpu, balanced, low-vram, cpu.",
                error("--prompt", "p", "--memory-mode", "max"));
        assertTrue(error("--prompt", "p", "--lora", "ink:99").startsWith("--lora: LoRA 'ink' has strength 99.0"));
        assertEquals("--seed is given 2 times; give it once.", error("--prompt", "p", "--seed", "1", "--seed", "2"));
        assertEquals("--out 'x.jpg': the image is written as PNG; give a name ending in .png.",
                error("--prompt", "p", "--out", "x.jpg"));
        assertEquals("--quiet takes no value (remove '=yes').", error("--prompt", "p", "--quiet=yes"));
        assertTrue(error("a", "red", "fox").startsWith("'a' is not an option of 'generate'"));
        assertTrue(error("--prompt", "p", "--cfg-truncation", "2").startsWith("--cfg-truncation: cfg truncation"));
    }
}
