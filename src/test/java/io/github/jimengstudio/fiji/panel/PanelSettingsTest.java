package io.github.jimengstudio.fiji.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The panel's controls as values: to a request (with readable refusals), size parsing, history and restoring. */
class PanelSettingsTest {

    private static PanelSettings fox() {
        return new PanelSettings("a red fox in the snow", "", List.of(), 8, 0.0, false, "", "1024 × 768", null, null);
    }

    static GenerationRecord record(GenerationRequest request) {
        return new GenerationRecord(request, "tiny", "Jimeng Studio test", "cpu", "float32", "libtorch", "euler",
                Instant.parse("2025-11-27T10:15:30Z"), new GenerationTimings(Map.of(), List.of(), 0, 1234.0),
                List.of());
    }

    @Test
    void theControlsBecomeTheRequestTheyShow() {
        GenerationRequest r = new PanelSettings("fox", "blurry, dark", List.of(new LoraUse("ink-style", 0.8),
                new LoraUse("pencil", -0.5)), 4, 2.5, true, "42", "640x480", null, null).toRequest();
        assertEquals("fox", r.prompt());
        assertEquals("blurry, dark", r.negativePrompt());
        assertEquals(640, r.width());
        assertEquals(480, r.height());
        assertEquals(4, r.steps());
        assertEquals(2.5, r.guidance());
        assertEquals(42L, r.seed());
        assertEquals(List.of(new LoraUse("ink-style", 0.8), new LoraUse("pencil", -0.5)), r.loras());
    }

    @Test
    void anUnlockedSeedIsLeftForTheEngineToDrawAndNoLoraMeansNone() {
        GenerationRequest r = fox().toRequest();
        assertNull(r.seed());
        assertTrue(r.loras().isEmpty());
        assertEquals("", r.negativePrompt());
        assertEquals(1024, r.width());
        assertEquals(768, r.height());
    }

    @Test
    void aLockedSeedTakesTheWholeUnsigned64BitRange() {
        GenerationRequest r = new PanelSettings("fox", "", List.of(), 8, 0, true,
                " 18446744073709551615 ", "512 × 512", null, null).toRequest();
        assertEquals("18446744073709551615", r.seedString());
    }

    @Test
    void badInputIsRefusedWithAMessageSayingWhatToChange() {
        assertEquals("The prompt is empty: describe the picture you want.", assertThrows(InvalidRequestException.class,
                () -> new PanelSettings("  ", "", List.of(), 8, 0, false, "", "1024 × 1024", null, null).toRequest())
                .getMessage());
        assertEquals("Size 'big' is not width × height: choose a preset or type e.g. 832 x 1216.",
                assertThrows(InvalidRequestException.class, () -> new PanelSettings("fox", "", List.of(),
                        8, 0, false, "", "big", null, null).toRequest()).getMessage());
        assertEquals("width is 1000 px: use a multiple of 16 from 64 to 4096 (for example 992).",
                assertThrows(InvalidRequestException.class, () -> new PanelSettings("fox", "", List.of(),
                        8, 0, false, "", "1000 x 1024", null, null).toRequest()).getMessage());
        assertTrue(assertThrows(InvalidRequestException.class, () -> new PanelSettings("fox", "", List.of(),
                8, 0, true, "forty-two", "1024 × 1024", null, null).toRequest()).getMessage()
                .startsWith("seed 'forty-two' is not a whole number from 0 to 18446744073709551615"));
        assertEquals("The seed is locked but empty: type a seed, or unlock it for a new random seed each run.",
                assertThrows(InvalidRequestException.class, () -> new PanelSettings("fox", "", List.of(),
                        8, 0, true, " ", "1024 × 1024", null, null).toRequest()).getMessage());
        assertEquals("LoRA 'ink' is listed twice: give it once, with the summed strength.",
                assertThrows(InvalidRequestException.class, () -> new PanelSettings("fox", "", List.of(
                        new LoraUse("ink", 0.5), new LoraUse("ink", 0.5)), 8, 0, false, "", "1024 × 1024", null, null)
                        .toRequest()).getMessage());
    }

    @Test
    void sizesParseWithAnySeparatorAndPresetsReadBackAsThemselves() {
        assertEquals(new ImageSize(832, 1216), ImageSize.parse("832x1216"));
        assertEquals(new ImageSize(832, 1216), ImageSize.parse(" 832 X 1216 "));
        assertEquals(new ImageSize(640, 480), ImageSize.parse("640*480"));
        assertEquals(new ImageSize(768, 1024), ImageSize.parse("768 × 1024"));
        assertEquals(new ImageSize(1152, 864), ImageSize.parse("1152 × 864 (4:3)"), "a preset's ratio is not read");
        assertEquals("1360 × 768 (16:9)", new ImageSize(1360, 768).label());
        assertEquals("640 × 480", new ImageSize(640, 480).label(), "only presets carry a ratio");
        for (ImageSize preset : ImageSize.PRESETS) {
            assertEquals(0, preset.width() % 16, preset.label());
            assertEquals(0, preset.height() % 16, preset.label());
            double megapixels = preset.width() * (double) preset.height() / 1e6;
            assertTrue(preset.width() == 512 || (megapixels > 0.95 && megapixels < 1.1), preset.label());
        }
        for (ImageSize preset : ImageSize.PRESETS) {
            assertEquals(preset, ImageSize.parse(preset.label()));
        }
        assertEquals(List.of("1024 × 1024 (1:1)", "1152 × 864 (4:3)", "864 × 1152 (3:4)", "1248 × 832 (3:2)",
                "832 × 1248 (2:3)", "1360 × 768 (16:9)", "768 × 1360 (9:16)", "512 × 512 (1:1, quick)"),
                ImageSize.PRESETS.stream().map(ImageSize::label).toList());
        for (String bad : new String[] {"", "1024", "1024x", "x768", "1024x768x3", "-64x64", "1e3x64"}) {
            assertThrows(InvalidRequestException.class, () -> ImageSize.parse(bad), bad);
        }
    }

    @Test
    void restoringARecordKeepsEveryLoraAndTheNegativePromptAndLocksTheSeedSoGenerateMakesTheSameRequest() {
        GenerationRequest made = GenerationRequest.builder("fox at dusk").negativePrompt("blurry, text")
                .size(512, 768).steps(6).guidance(1.5).seed(-2L)
                .loras(List.of(new LoraUse("ink-style", 0.6), new LoraUse("other", 1.25))).build();
        PanelSettings s = PanelSettings.of(record(made));
        assertTrue(s.seedLocked());
        assertEquals("18446744073709551614", s.seed());
        assertEquals("512 × 768", s.size());
        assertEquals("blurry, text", s.negativePrompt());
        assertEquals(List.of(new LoraUse("ink-style", 0.6), new LoraUse("other", 1.25)), s.loras());
        assertEquals(made, s.toRequest());
    }

    @Test
    void theMemoryModeAndPrecisionGoIntoTheRequestAndNoneChosenMeansTheDefaults() {
        GenerationRequest r = new PanelSettings("fox", "", List.of(), 8, 0, false, "", "512 × 512",
                MemoryMode.LOW_VRAM, Precision.BFLOAT16).toRequest();
        assertEquals(MemoryMode.LOW_VRAM, r.memoryMode());
        assertEquals(Precision.BFLOAT16, r.precision());
        assertEquals(MemoryMode.BALANCED, PanelSettings.defaults().memoryMode());
        assertEquals(Precision.AUTO, PanelSettings.defaults().precision());
        assertEquals(MemoryMode.BALANCED, fox().toRequest().memoryMode());
        assertEquals(Precision.AUTO, fox().toRequest().precision());
    }

    /** A seed gives the same pixels only in the same precision: a restored generation keeps its precision and mode. */
    @Test
    void restoringARecordKeepsItsMemoryModeAndPrecision() {
        GenerationRequest made = GenerationRequest.builder("fox").size(512, 512).seed(9)
                .memoryMode(MemoryMode.LOW_VRAM).precision(Precision.BFLOAT16).build();
        PanelSettings s = PanelSettings.of(record(made));
        assertEquals(MemoryMode.LOW_VRAM, s.memoryMode());
        assertEquals(Precision.BFLOAT16, s.precision());
        assertEquals(made, s.toRequest());
    }

    @Test
    void theHistoryLineNamesEveryLoraWithItsStrength() {
        GenerationRequest made = GenerationRequest.builder("fox").seed(7).steps(4).size(512, 512)
                .loras(List.of(new LoraUse("ink-style", 0.6), new LoraUse("other", 1.25))).build();
        assertEquals("seed 7 · 512×512 · 4 steps · ink-style:0.6 + other:1.25 · fox",
                HistoryList.describe(record(made)));
        assertEquals("seed 7 · 512×512 · 4 steps · fox",
                HistoryList.describe(record(made.toBuilder().loras(List.of()).build())));
    }

    @Test
    void theHistoryKeepsTheNewestFirstAndDropsTheOldestBeyondItsCapacity() {
        GenerationHistory h = new GenerationHistory(3);
        for (long seed = 1; seed <= 5; seed++) {
            h.add(record(GenerationRequest.builder("fox").seed(seed).build()));
        }
        assertEquals(List.of(5L, 4L, 3L), h.records().stream().map(r -> r.request().seed()).toList());
        assertThrows(IllegalArgumentException.class, () -> new GenerationHistory(0));
    }
}
