package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GenerationRecordTest {

    static GenerationRecord sample() {
        GenerationRequest request = GenerationRequest.builder("a red fox in the snow, 水彩")
                .negativePrompt("blurry").size(192, 256).steps(3).guidance(3.0).seed(-2L) // 2^64 - 2
                .loras(List.of(new LoraUse("ink-style", 0.8))).memoryMode(MemoryMode.LOW_VRAM)
                .cfgTruncation(0.9).build();
        Map<Stage, Double> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.ENCODING, 12.3);
        stages.put(Stage.DENOISING, 300.0);
        stages.put(Stage.DECODING, 45.6);
        GenerationTimings timings = new GenerationTimings(stages, List.of(100.0, 100.0, 100.0), 120.5, 360.0);
        return new GenerationRecord(request, "Tongyi-MAI/Z-Image-Turbo@abc123", "Jimeng Studio 0.1.0", "cpu",
                "float32", "libtorch 2.7.1", "flow-match Euler, shift 3.0", Instant.parse("2025-11-27T10:15:30Z"),
                timings, List.of("prompt cut at 512 tokens"));
    }

    @Test
    void jsonRoundTripGivesTheSameRecordAndKeepsALargeSeedExact() {
        GenerationRecord r = sample();
        String json = r.toJson();
        GenerationRecord back = GenerationRecord.fromJson(json);
        assertEquals(r.request(), back.request());
        assertEquals(r.modelIdentity(), back.modelIdentity());
        assertEquals(r.created(), back.created());
        assertEquals(r.timings(), back.timings());
        assertEquals(r.warnings(), back.warnings());
        assertEquals(r, back);
        assertEquals(json, back.toJson());
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("18446744073709551614", o.get("seed").getAsString());
        assertTrue(o.get("seed").getAsJsonPrimitive().isString(), "seed is a string in JSON");
        assertEquals(12.3, o.getAsJsonObject("timings_ms").get("encoding").getAsDouble());
    }

    @Test
    void jsonKeysComeInAFixedOrder() {
        List<String> keys = new ArrayList<>(JsonParser.parseString(sample().toJson()).getAsJsonObject().keySet());
        assertEquals(List.of("format", "prompt", "negative_prompt", "width", "height", "steps", "guidance", "seed",
                "loras", "cfg_truncation", "cfg_normalization", "memory_mode", "requested_precision", "model",
                "software", "device", "precision", "engine", "sampler", "created", "timings_ms", "warnings"), keys);
    }

    @Test
    void aRecordWithoutItsSeedOrWithABadFieldIsRefused() {
        GenerationRequest unseeded = GenerationRequest.builder("x").build();
        GenerationRecord r = sample();
        assertThrows(IllegalArgumentException.class, () -> new GenerationRecord(unseeded, "m", "v", "cpu", "float32",
                "e", "s", Instant.EPOCH, r.timings(), List.of()));
        String noModel = r.toJson().replace("\"model\":", "\"modelx\":");
        assertEquals("generation record lacks 'model'",
                assertThrows(IllegalArgumentException.class, () -> GenerationRecord.fromJson(noModel)).getMessage());
        String badSteps = r.toJson().replace("\"steps\": 3,", "\"steps\": 300,");
        assertThrows(InvalidRequestException.class, () -> GenerationRecord.fromJson(badSteps));
        assertThrows(IllegalArgumentException.class, () -> GenerationRecord.fromJson("[1, 2]"));
    }

    @Test
    void textSummaryNamesEverythingThatDecidesTheImage() {
        String text = sample().toText();
        assertTrue(text.contains("Prompt: a red fox in the snow, 水彩\n"), text);
        assertTrue(text.contains("Negative prompt: blurry\n"), text);
        assertTrue(text.contains("Seed 18446744073709551614, 3 steps, 192x256 (width x height), guidance 3"
                + " (cfg truncation 0.9, normalization 0)\n"), text);
        assertTrue(text.contains("LoRA: ink-style at 0.8\n"), text);
        assertTrue(text.contains("Model: Tongyi-MAI/Z-Image-Turbo@abc123\n"), text);
        assertTrue(text.contains("Time: encoding 0.01 s, denoising 0.30 s, decoding 0.05 s, total 0.36 s\n"), text);
        assertTrue(text.contains("Warning: prompt cut at 512 tokens\n"), text);
    }

    @Test
    void theVersionComesFromTheBuild() {
        assertTrue(Version.number().matches("\\d+\\.\\d+\\.\\d+.*"), Version.number());
        assertEquals("Jimeng Studio " + Version.number(), Version.full());
    }
}
