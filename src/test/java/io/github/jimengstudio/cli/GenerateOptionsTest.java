package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.pipeline.DevicePreference;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.PngWriter;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void aMistypedOptionOrCommandGetsTheNearestRealOne() {
        assertTrue(error("--promt", "p").startsWith("unknown option --promt for 'generate' (did you mean --prompt?)"));
        assertTrue(error("--prompt", "p", "--lora-dri", "x").contains("(did you mean --lora-dir?)"));
        assertTrue(error("--prompt", "p", "--negativ=x").contains("(did you mean --negative?)"));
        assertTrue(error("--prompt", "p", "-seed", "1").startsWith("'-seed' is not an option of 'generate' (did you"
                + " mean --seed?); options start with --"));
        assertEquals("unknown option --xyz for 'generate'; see 'jimeng generate --help'.", error("--prompt", "p",
                "--xyz"));
        Run run = Run.of(Path.of("."), "genrate", "--prompt", "p");
        assertEquals(JimengCli.USAGE, run.status());
        assertEquals("jimeng: unknown command 'genrate' (did you mean generate?); use generate, loras, download or "
                + "selftest.\n", run.err());
        assertTrue(Run.of(Path.of("."), "lora").err().contains("(did you mean loras?)"));
    }

    @Test
    void badInputNamesTheOption() {
        assertEquals("generate needs --prompt \"...\" (what to draw), or --from IMAGE.png to make an image again.",
                error("--seed", "1"));
        assertEquals("unknown option --sead for 'generate' (did you mean --seed?); see 'jimeng generate --help'.",
                error("--prompt", "p", "--sead", "1"));
        assertEquals("--steps needs a value.", error("--prompt", "p", "--steps"));
        assertEquals("--steps 'eight' is not a whole number.", error("--prompt", "p", "--steps", "eight"));
        assertTrue(error("--prompt", "p", "--steps", "0").startsWith("--steps: steps is 0: use 1 to 100"));
        assertEquals("--size '1024' is not WIDTHxHEIGHT (for example 1024x768: width first).",
                error("--prompt", "p", "--size", "1024"));
        assertTrue(error("--prompt", "p", "--size", "1000x1024").startsWith("--size: width is 1000 px"));
        assertTrue(error("--prompt", "p", "--size", "1024x1000").startsWith("--size: height is 1000 px"));
        assertEquals("--seed '-3': give -1 (or random) for a random seed, else a whole number from 0 to "
                + "18446744073709551615.", error("--prompt", "p", "--seed", "-3"));
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

    /** A 64x64 grey PNG whose text chunks record {@code request} as made with the model {@code model}. */
    static Path recordedPng(Path file, GenerationRequest request, String model) throws IOException {
        GenerationRecord record = new GenerationRecord(request, model, "Jimeng Studio test", "cpu", "float32",
                "libtorch 2.7.1", "flow-match Euler, shift 3.0", Instant.parse("2025-01-02T03:04:05Z"),
                new GenerationTimings(Map.of(), List.of(), -1, 1.0), List.of());
        PngWriter.write(64, 64, new byte[64 * 64 * 3], file, ProvenanceCodec.pngTexts(record));
        return file;
    }

    @Test
    void fromTakesTheRecordedRequestAndTheOptionsGivenOverrideIt(@TempDir Path dir) throws Exception {
        GenerationRequest made = GenerationRequest.builder("a red fox: in the snow").negativePrompt("blurry")
                .size(192, 256).steps(5).guidance(2.5).seed(-2L).loras(List.of(new LoraUse("styles/ink", 0.8)))
                .cfgTruncation(0.5).memoryMode(MemoryMode.CPU).precision(Precision.FLOAT32).build();
        Path png = recordedPng(dir.resolve("fox.png"), made, "Tongyi-MAI/Z-Image-Turbo@abc");
        GenerateOptions same = parse("--from", png.toString());
        assertEquals(made, same.request(), "every recorded setting, the seed included");
        assertEquals(png, same.from());
        assertEquals("Tongyi-MAI/Z-Image-Turbo@abc", same.fromModel());

        GenerationRequest varied = parse("--from", png.toString(), "--seed", "7", "--steps", "3", "--prompt",
                "a grey wolf", "--lora", "paper:0.5").request();
        assertEquals(made.toBuilder().prompt("a grey wolf").seed(7).steps(3)
                .loras(List.of(new LoraUse("paper", 0.5))).build(), varied);
        assertFalse(parse("--from", png.toString(), "--seed", "random").request().hasSeed(), "a variation");
        assertEquals(made.toBuilder().loras(List.of()).build(),
                parse("--from", png.toString(), "--lora", "None").request(), "--lora none drops the recorded LoRAs");
        assertEquals("--lora none means no LoRA; give it alone, not with other --lora.",
                error("--from", png.toString(), "--lora", "none", "--lora", "paper"));
    }

    /**
     * Another tool's PNG holds only A1111 {@code parameters}: its prompt (a {@code <lora:…>} tag stays prompt text),
     * negative prompt, steps, CFG scale, a seed above 2^63 and its size are taken; its other keys (sampler, hashes)
     * are ignored, the memory mode and precision keep their defaults, and no model identity is claimed.
     */
    @Test
    void fromAnotherToolsA1111PngTakesTheSettingsItHolds(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("a1111.png");
        PngWriter.write(64, 64, new byte[64 * 64 * 3], png, List.of(PngText.latin1("parameters",
                "a red fox <lora:ink:0.8>\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, "
                        + "Seed: 18446744073709551615, Size: 512x768, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, "
                        + "Lora hashes: \"ink: 0a1b2c3d4e5f\", Version: v1.6.0")));
        GenerateOptions o = parse("--from", png.toString());
        assertEquals(GenerationRequest.builder("a red fox <lora:ink:0.8>").negativePrompt("blurry").steps(20)
                .guidance(7).seed(-1L).size(512, 768).build(), o.request());
        assertEquals(List.of(), o.request().loras());
        assertEquals("18446744073709551615", o.request().seedString());
        assertNull(o.fromModel(), "parameters name another tool's model, not an identity to compare");
        assertEquals(Path.of("jimeng-18446744073709551615.png"), o.outFor(o.request()));
        assertEquals(List.of("Sampler: DPM++ 2M Karras", "Model hash: 31e35c80fc", "Model: sd_xl_base_1.0",
                "Lora hashes: ink: 0a1b2c3d4e5f", "the prompt's <lora:ink:0.8> (kept as prompt text; give --lora "
                        + "NAME:STRENGTH)"), o.fromNotApplied());
    }

    @Test
    void fromSaysWhichOfAnotherToolsSettingsAreNotAppliedAndNothingForItsOwn(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("forge.png");
        PngWriter.write(64, 64, new byte[64 * 64 * 3], png, List.of(PngText.latin1("parameters",
                "castle\nSteps: 30, Sampler: Euler a, Schedule type: Karras, CFG scale: 5, Seed: 9, Size: 832x1216, "
                        + "Model: juggernautXL, VAE: sdxl_vae.safetensors, Denoising strength: 0.4, Clip skip: 2, "
                        + "Hires upscale: 1.5, Hires steps: 10, Hires upscaler: 4x-UltraSharp, Version: f2.0.1")));
        assertEquals(List.of("Sampler: Euler a", "Schedule type: Karras", "Model: juggernautXL",
                "VAE: sdxl_vae.safetensors", "Denoising strength: 0.4", "Clip skip: 2", "Hires upscale: 1.5",
                "Hires steps: 10", "Hires upscaler: 4x-UltraSharp"), parse("--from", png.toString()).fromNotApplied());

        // our own parameters without the JSON record (stripped by an editor): nothing to report
        GenerationRequest made = GenerationRequest.builder("fox").seed(42).build();
        Path ours = dir.resolve("ours.png");
        PngWriter.write(64, 64, new byte[64 * 64 * 3], ours, List.of(PngText.latin1("parameters",
                "fox\nSteps: 8, Sampler: Euler, CFG scale: 0.0, Seed: 42, Size: 1024x1024, Model hash: 0123456789, "
                        + "Model: \"hf-folder:model#1\", Version: Jimeng Studio 0.1.0")));
        assertEquals(List.of(), parse("--from", ours.toString()).fromNotApplied());
        assertEquals(List.of(), parse("--from", recordedPng(dir.resolve("r.png"), made, "m").toString())
                .fromNotApplied(), "a JSON record is applied whole");
    }

    @Test
    void fromNeverWritesOverItsOwnImage(@TempDir Path dir) throws Exception {
        GenerationRequest made = GenerationRequest.builder("fox").seed(42).build();
        Path png = recordedPng(dir.resolve("jimeng-42.png"), made, "m");
        String sameFile = error("--from", png.toString(), "--out", dir.resolve("./jimeng-42.png").toString());
        assertEquals("--out '" + dir.resolve("./jimeng-42.png") + "' is the --from image; give another --out so "
                + "that the original stays.", sameFile);
        // the default name is only wished for; claiming it beside the --from image takes the next free one
        assertEquals(Path.of("jimeng-42.png"), parse("--from", png.toString()).outFor(made));
        assertEquals(dir.resolve("jimeng-42-1.png"), OutputName.claim(dir.resolve(parse("--from", png.toString())
                .outFor(made).toString())));
        assertEquals(42L, RecordedSettings.read(png).request().seed(), "the --from image is untouched");
    }

    @Test
    void fromNamesWhatIsWrongWithTheImage(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("gone.png");
        assertEquals("--from '" + missing + "': no such file.", error("--from", missing.toString()));
        Path plain = dir.resolve("plain.png");
        PngWriter.write(64, 64, new byte[64 * 64 * 3], plain, List.of(PngText.latin1("Software", "GIMP")));
        assertTrue(error("--from", plain.toString()).startsWith("--from '" + plain + "': This PNG has no "
                + "generation settings"), error("--from", plain.toString()));
        Path text = java.nio.file.Files.writeString(dir.resolve("notes.png"), "not an image");
        assertEquals("--from '" + text + "': " + text + " is not a PNG file (no PNG signature)",
                error("--from", text.toString()));
    }
}
