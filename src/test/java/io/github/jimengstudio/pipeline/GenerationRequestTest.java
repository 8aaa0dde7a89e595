package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.sampling.TorchCpuRandom;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class GenerationRequestTest {

    private static GenerationRequest.Builder base() {
        return GenerationRequest.builder("a red fox in the snow, watercolor");
    }

    private static String refused(GenerationRequest.Builder b) {
        return assertThrows(InvalidRequestException.class, b::build).getMessage();
    }

    @Test
    void defaultsAreTheTurboRecipe() {
        GenerationRequest r = base().build();
        assertEquals(1024, r.width());
        assertEquals(1024, r.height());
        assertEquals(8, r.steps());
        assertEquals(0.0, r.guidance());
        assertFalse(r.usesGuidance());
        assertFalse(r.hasSeed());
        assertEquals("", r.negativePrompt());
        assertEquals(MemoryMode.BALANCED, r.memoryMode());
    }

    @Test
    void sizeNotAMultipleOf16IsRefusedWithANearbySuggestion() {
        String msg = refused(base().size(1000, 1024));
        assertTrue(msg.contains("width is 1000"), msg);
        assertTrue(msg.contains("multiple of 16"), msg);
        assertTrue(msg.contains("992"), msg);
    }

    @Test
    void sizesOutsideTheBoundsAreRefused() {
        assertTrue(refused(base().size(1024, 8192)).contains("height is 8192"));
        assertTrue(refused(base().size(32, 1024)).contains("width is 32"));
        assertTrue(refused(base().size(-16, 1024)).contains("width is -16"));
    }

    @Test
    void stepsOutside1To100AreRefused() {
        assertTrue(refused(base().steps(0)).contains("steps is 0"));
        assertTrue(refused(base().steps(101)).contains("1 to 100"));
        assertEquals(100, base().steps(100).build().steps());
    }

    @Test
    void nonFiniteOrNegativeGuidanceIsRefused() {
        assertTrue(refused(base().guidance(Double.NaN)).contains("guidance is NaN"));
        assertTrue(refused(base().guidance(-1)).contains("guidance is -1.0"));
        assertTrue(refused(base().guidance(Double.POSITIVE_INFINITY)).contains("finite"));
        assertTrue(base().guidance(3.0).build().usesGuidance());
    }

    @Test
    void cfgOptionsAreChecked() {
        assertTrue(refused(base().cfgTruncation(1.5)).contains("cfg truncation"));
        assertTrue(refused(base().cfgNormalization(-0.1)).contains("cfg normalization"));
    }

    @Test
    void unsignedSeedsRoundTripThroughTheirDecimalForm() {
        long max = GenerationRequest.parseSeed("18446744073709551615");
        assertEquals(-1L, max);
        assertEquals("18446744073709551615", base().seed(max).build().seedString());
        assertEquals(42L, GenerationRequest.parseSeed(" 42 "));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.parseSeed("18446744073709551616"));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.parseSeed("-1"));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.parseSeed("abc"));
    }

    @Test
    void aRandomSeedIsDrawnOnceAndThenKept() {
        GenerationRequest r = base().build();
        GenerationRequest resolved = r.withResolvedSeed(new SplittableRandom(7));
        assertTrue(resolved.hasSeed());
        assertEquals(new SplittableRandom(7).nextLong(GenerationRequest.DISTINCT_SEEDS), resolved.seed().longValue());
        assertSame(resolved, resolved.withResolvedSeed(new SplittableRandom(8)));
        assertThrows(IllegalStateException.class, r::seedString);
    }

    @Test
    void drawnSeedsStayBelowTheThirtyTwoBitsTorchSeedsWith() {
        // a generator whose every draw is the largest long: a 64-bit draw would give a seed that aliases another
        RandomGenerator top = () -> -1L;
        // why: seeds that differ only above bit 31 give the same noise
        assertArrayEquals(new TorchCpuRandom(5).randn(16), new TorchCpuRandom(5 + (1L << 32)).randn(16));
        for (int i = 0; i < 1000; i++) {
            long d = base().build().withResolvedSeed(new SplittableRandom(i)).seed();
            assertTrue(d >= 0 && d < GenerationRequest.DISTINCT_SEEDS, Long.toString(d));
        }
        long t = base().build().withResolvedSeed(top).seed();
        assertTrue(t >= 0 && t < GenerationRequest.DISTINCT_SEEDS, Long.toString(t));
    }

    @Test
    void loraSpecsParseNameAndStrength() {
        assertEquals(new LoraUse("ink-style", 0.8), LoraUse.parse("ink-style:0.8"));
        assertEquals(new LoraUse("ink-style", 1.0), LoraUse.parse("ink-style"));
        assertEquals(new LoraUse("a:b", 1.0), LoraUse.parse("a:b"));
        assertThrows(InvalidRequestException.class, () -> LoraUse.parse(":0.5"));
        assertThrows(InvalidRequestException.class, () -> LoraUse.parse("x:NaN"));
        assertThrows(InvalidRequestException.class, () -> LoraUse.parse("x:99"));
    }

    @Test
    void theSameLoraTwiceIsRefused() {
        String msg = refused(base().loras(List.of(new LoraUse("ink", 0.5), new LoraUse("ink", 0.3))));
        assertTrue(msg.contains("'ink' is listed twice"), msg);
    }

    @Test
    void absurdPromptsAreRefusedButEmptyOnesAreAllowed() {
        assertTrue(refused(GenerationRequest.builder("x".repeat(20_001))).contains("20001 characters"));
        assertTrue(refused(GenerationRequest.builder("a\0b")).contains("NUL"));
        assertNotNull(GenerationRequest.builder("").build());
    }
}
