package io.github.jimengstudio.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import io.github.jimengstudio.pipeline.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceCodecTest {
    @TempDir
    Path dir;

    private static GenerationRecord record(GenerationRequest request) {
        EnumMap<Stage, Double> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.ENCODING, 12.0);
        stages.put(Stage.DENOISING, 300.0);
        stages.put(Stage.DECODING, 40.0);
        return new GenerationRecord(request, "Z-Image-Turbo (HF folder, abc123)", "Jimeng Studio 0.1.0", "cpu",
                "float32", "libtorch 2.7.1", "flow-match Euler, shift 3.0", Instant.parse("2025-01-02T03:04:05Z"),
                new GenerationTimings(stages, List.of(75.0, 75.0, 75.0, 75.0), 80.0, 352.0), List.of());
    }

    /** Everything away from the defaults, a seed above 2^63 and a prompt with a comma, colon and line break. */
    private static GenerationRequest unusual() {
        return GenerationRequest.builder("a red fox: in the snow,\nwatercolor").negativePrompt("blurry, dark")
                .size(768, 512).steps(12).guidance(3.5).seed(-2L).loras(List.of(new LoraUse("styles/ink", 0.8),
                        new LoraUse("peft", -0.25))).cfgTruncation(0.5).cfgNormalization(1.0)
                .memoryMode(MemoryMode.LOW_VRAM).precision(Precision.FLOAT32).build();
    }

    @Test
    void flatPropertiesNameEveryField() {
        Map<String, String> p = ProvenanceCodec.properties(record(unusual()));
        assertEquals("a red fox: in the snow,\nwatercolor", p.get("jimeng.prompt"));
        assertEquals("blurry, dark", p.get("jimeng.negative_prompt"));
        assertEquals("18446744073709551614", p.get("jimeng.seed"));
        assertEquals("12", p.get("jimeng.steps"));
        assertEquals("3.5", p.get("jimeng.guidance"));
        assertEquals("768", p.get("jimeng.width"));
        assertEquals("512", p.get("jimeng.height"));
        assertEquals("styles/ink:0.8, peft:-0.25", p.get("jimeng.loras"));
        assertEquals("Z-Image-Turbo (HF folder, abc123)", p.get("jimeng.model"));
        assertEquals("Jimeng Studio 0.1.0", p.get("jimeng.version"));
        assertEquals(ProvenanceCodec.DIGITAL_SOURCE_TYPE, p.get("jimeng.digital_source_type"));
        assertEquals(record(unusual()).toJson(), p.get("jimeng.record"));
    }

    @Test
    void propertiesGiveBackTheRequestWithAndWithoutTheJsonRecord() {
        GenerationRequest request = unusual();
        Map<String, String> p = new HashMap<>(ProvenanceCodec.properties(record(request)));
        assertEquals(request, ProvenanceCodec.requestFromProperties(p::get));
        p.remove("jimeng.record");
        assertEquals(request, ProvenanceCodec.requestFromProperties(p::get));
    }

    @Test
    void infoIsReadableAndGivesBackTheRequest() {
        GenerationRequest request = unusual();
        String info = ProvenanceCodec.info(record(request));
        assertTrue(info.startsWith("AI-generated image"), info);
        assertTrue(info.contains("Seed 18446744073709551614, 12 steps, 768x512"), info);
        assertEquals(request, ProvenanceCodec.requestFromInfo(info));
        ProvenanceException e = assertThrows(ProvenanceException.class,
                () -> ProvenanceCodec.requestFromInfo("Acquired on a confocal"));
        assertTrue(e.getMessage().contains("no Jimeng Studio generation record"), e.getMessage());
    }

    @Test
    void parametersFollowTheA1111Layout() {
        GenerationRequest plain = GenerationRequest.builder("a red fox in the snow, watercolor").size(256, 256)
                .steps(4).seed(42).build();
        assertEquals("a red fox in the snow, watercolor\n"
                + "Steps: 4, Sampler: Euler, CFG scale: 0.0, Seed: 42, Size: 256x256, "
                + "Model: \"Z-Image-Turbo (HF folder, abc123)\", Version: Jimeng Studio 0.1.0",
                ProvenanceCodec.parameters(record(plain)));
        assertEquals("a red fox: in the snow,\nwatercolor\nNegative prompt: blurry, dark\n"
                + "Steps: 12, Sampler: Euler, CFG scale: 3.5, Seed: 18446744073709551614, Size: 768x512, "
                + "Model: \"Z-Image-Turbo (HF folder, abc123)\", Loras: \"styles/ink:0.8, peft:-0.25\", "
                + "CFG truncation: 0.5, CFG normalization: 1.0, Version: Jimeng Studio 0.1.0",
                ProvenanceCodec.parameters(record(unusual())));
    }

    @Test
    void pngChunksGiveBackTheRequest() throws IOException {
        GenerationRequest request = unusual();
        Path png = dir.resolve("fox.png");
        PngWriter.write(2, 2, new byte[12], png, ProvenanceCodec.pngTexts(record(request)));
        List<PngText> texts = PngTextReader.read(png);
        assertEquals(List.of("parameters", "jimeng.record", "XML:com.adobe.xmp"),
                texts.stream().map(PngText::keyword).toList());
        assertFalse(texts.get(0).international(), "Latin-1 parameters are a tEXt chunk");
        assertTrue(texts.get(2).text().contains("Iptc4xmpExt:DigitalSourceType=\""
                + "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\""));
        assertEquals(request, ProvenanceCodec.requestFromPng(png));
    }

    @Test
    void parametersAloneGiveBackTheSettingsTheyHold() throws IOException {
        GenerationRequest request = unusual().toBuilder().memoryMode(MemoryMode.BALANCED).precision(Precision.AUTO)
                .build();
        Path png = dir.resolve("stripped.png");
        PngWriter.write(1, 1, new byte[3], png, List.of(ProvenanceCodec.pngTexts(record(request)).get(0)));
        assertEquals(request, ProvenanceCodec.requestFromPng(png));
    }

    @Test
    void nonLatinPromptsTravelAsITxt() throws IOException {
        GenerationRequest request = GenerationRequest.builder("雪中的红狐狸，水彩 & <ink>").size(256, 256).steps(4)
                .seed(7).build();
        List<PngText> texts = ProvenanceCodec.pngTexts(record(request));
        assertTrue(texts.get(0).international());
        assertTrue(texts.get(2).text().contains("水彩 &amp; &lt;ink&gt;"));
        Path png = dir.resolve("zh.png");
        PngWriter.write(1, 1, new byte[3], png, texts);
        assertEquals(request, ProvenanceCodec.requestFromPng(png));
        assertEquals(request, ProvenanceCodec.requestFromPng(List.of(texts.get(0))));
    }

    @Test
    void missingOrBrokenProvenanceIsNamed() throws IOException {
        Path png = dir.resolve("plain.png");
        PngWriter.write(1, 1, new byte[3], png, List.of());
        ProvenanceException none = assertThrows(ProvenanceException.class,
                () -> ProvenanceCodec.requestFromPng(png));
        assertTrue(none.getMessage().contains("no generation settings"), none.getMessage());
        ProvenanceException noProps = assertThrows(ProvenanceException.class,
                () -> ProvenanceCodec.requestFromProperties(k -> null));
        assertTrue(noProps.getMessage().contains("no Jimeng Studio provenance"), noProps.getMessage());
        Map<String, String> badSize = new HashMap<>(ProvenanceCodec.properties(record(unusual())));
        badSize.remove("jimeng.record");
        badSize.put("jimeng.width", "100");
        ProvenanceException invalid = assertThrows(ProvenanceException.class,
                () -> ProvenanceCodec.requestFromProperties(badSize::get));
        assertTrue(invalid.getMessage().contains("width is 100 px"), invalid.getMessage());
        assertThrows(IOException.class, () -> PngTextReader.read(dir.resolve("missing.png")));
    }
}
