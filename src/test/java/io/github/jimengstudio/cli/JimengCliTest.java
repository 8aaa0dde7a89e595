package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.DevicePreference;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.Precision;
import io.github.jimengstudio.provenance.A1111Parameters;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.PngTextReader;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as README-e2e.md §6 runs it, plus its errors. */
class JimengCliTest {

    /**
     * One run of the CLI with captured output and no environment (no caches, no Fiji); {@code home} is also the
     * current folder, where default output names go.
     */
    record Run(int status, String out, String err) {
        static Run of(Path home, String... args) {
            return of(home, Map.of(), args);
        }

        static Run of(Path home, Map<String, String> env, String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = new JimengCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), env, home, home).run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** The README-e2e §6 check on decoded pixels: ≥ 99.5 % of pixels with all three channels within ±1. */
    static void assertPngMatches(Path expectedPng, Path actualPng) throws IOException {
        BufferedImage e = ImageIO.read(expectedPng.toFile());
        BufferedImage a = ImageIO.read(actualPng.toFile());
        assertEquals(e.getWidth(), a.getWidth(), "width");
        assertEquals(e.getHeight(), a.getHeight(), "height");
        int close = 0;
        for (int y = 0; y < e.getHeight(); y++) {
            for (int x = 0; x < e.getWidth(); x++) {
                int p = e.getRGB(x, y);
                int q = a.getRGB(x, y);
                boolean ok = true;
                for (int shift = 0; shift <= 16; shift += 8) {
                    ok &= Math.abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF)) <= 1;
                }
                close += ok ? 1 : 0;
            }
        }
        int all = e.getWidth() * e.getHeight();
        assertTrue(close >= 0.995 * all, close + " of " + all + " pixels within ±1");
    }

    /** The PNG's pixels, row by row as 0xRRGGBB. */
    static int[] pixels(Path png) throws IOException {
        BufferedImage i = ImageIO.read(png.toFile());
        return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
    }

    /**
     * The PNG carries the provenance Fiji's Save writes: the JSON record and the A1111 {@code parameters} each give
     * back {@code expected} (the request as the command line built it), and XMP marks it as AI-generated.
     */
    static GenerationRecord assertRecorded(GenerationRequest expected, Path png) throws IOException {
        List<PngText> texts = PngTextReader.read(png);
        GenerationRecord record = ProvenanceCodec.recordFromPng(texts).orElseThrow(() -> new AssertionError(
                "no " + ProvenanceCodec.RECORD_KEY + " chunk in " + png));
        assertEquals(expected, record.request(), "the JSON record");
        String parameters = texts.stream().filter(t -> t.keyword().equals(ProvenanceCodec.PARAMETERS_KEYWORD))
                .map(PngText::text).findFirst().orElseThrow(() -> new AssertionError("no parameters chunk"));
        assertEquals(expected, A1111Parameters.parse(parameters), "the A1111 parameters");
        String xmp = texts.stream().filter(t -> t.keyword().equals(ProvenanceCodec.XMP_KEYWORD))
                .map(PngText::text).findFirst().orElseThrow(() -> new AssertionError("no XMP chunk"));
        assertTrue(xmp.contains("DigitalSourceType=\"" + ProvenanceCodec.DIGITAL_SOURCE_TYPE + "\""), xmp);
        return record;
    }

    @Test
    void generateWritesTheGoldenCasesAsPngs(@TempDir Path tmp) throws IOException {
        String model = Golden.file("e2e-tiny/model").toString();
        String prompt = "a red fox in the snow, watercolor";
        Path a = tmp.resolve("a.png");
        Run run = Run.of(tmp, "generate", "--model", model, "--prompt", prompt, "--seed", "42", "--steps", "4",
                "--size", "256x256", "--out", a.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("Wrote " + a.toAbsolutePath() + " (256x256, seed 42)"), run.out());
        assertTrue(run.err().contains("Time: "), run.err());
        assertPngMatches(Golden.file("e2e-tiny/expected/case_a_p1_seed42_256x256_n4.png"), a);
        GenerationRecord recordA = assertRecorded(GenerationRequest.builder(prompt).seed(42).steps(4).size(256, 256)
                .build(), a);
        assertEquals("cpu", recordA.device());
        assertTrue(recordA.softwareVersion().startsWith("Jimeng Studio "), recordA.softwareVersion());

        Path c = tmp.resolve("c.png");
        run = Run.of(tmp, "generate", "--model", model, "--prompt", prompt, "--seed", "42", "--steps", "4",
                "--size", "256x256", "--guidance", "3.0", "--negative-prompt", "", "--quiet", "--out", c.toString());
        assertEquals(0, run.status(), run.err());
        assertPngMatches(Golden.file("e2e-tiny/expected/case_c_p1_seed42_256x256_n4_cfg3.png"), c);
        assertRecorded(GenerationRequest.builder(prompt).seed(42).steps(4).size(256, 256).guidance(3.0).build(), c);

        Path d = tmp.resolve("d.png");
        run = Run.of(tmp, "generate", "--model", model, "--prompt", prompt, "--seed", "42", "--steps", "4",
                "--size", "256x256", "--lora-dir", Golden.file("lora-tiny").toString(), "--lora", "peft:0.8",
                "--quiet", "--out", d.toString());
        assertEquals(0, run.status(), run.err());
        assertPngMatches(Golden.file("e2e-tiny/expected/case_d_p1_seed42_256x256_n4_lora0p8.png"), d);
        assertRecorded(GenerationRequest.builder(prompt).seed(42).steps(4).size(256, 256)
                .loras(List.of(new LoraUse("peft", 0.8))).build(), d);

        // --from takes everything from the PNG's record: the same pixels, and the same request recorded again.
        Path again = tmp.resolve("again.png");
        run = Run.of(tmp, "generate", "--model", model, "--lora-dir", Golden.file("lora-tiny").toString(), "--from",
                d.toString(), "--out", again.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().startsWith("Settings from " + d + "\n"), run.err());
        assertArrayEquals(pixels(d), pixels(again), "--from reproduces the pixels exactly");
        assertRecorded(GenerationRequest.builder(prompt).seed(42).steps(4).size(256, 256)
                .loras(List.of(new LoraUse("peft", 0.8))).build(), again);
    }

    /** The request's mode, precision and device reach the pipeline's load, so nothing is loaded twice. */
    @Test
    void thePipelineIsLoadedForTheRequestsMemoryModeAndPrecision() throws UsageException {
        GenerateOptions o = GenerateOptions.parse(java.util.List.of("--prompt", "x", "--memory-mode", "low-vram",
                "--precision", "bf16", "--device", "cpu", "--lora-dir", "/styles"));
        PipelineOptions options = JimengCli.pipelineOptions(o, o.request());
        assertEquals(MemoryMode.LOW_VRAM, options.memoryMode());
        assertEquals(Precision.BFLOAT16, options.precision());
        assertEquals(DevicePreference.CPU, options.device());
        assertEquals(Path.of("/styles"), options.loraFolder());
    }

    /**
     * {@code --precision bfloat16} on a CPU: one "Loading model" line and no reload warning (it loaded float32 first,
     * then everything again in bfloat16). That the image is then computed in bfloat16 is ZImagePipelineTest's.
     */
    @Test
    void bfloat16OnACpuLoadsTheModelOnce(@TempDir Path tmp) {
        Path png = tmp.resolve("bf16.png");
        Run run = Run.of(tmp, "generate", "--model", Golden.file("e2e-tiny/model").toString(), "--prompt", "fox",
                "--seed", "3", "--steps", "2", "--size", "128x128", "--precision", "bfloat16", "--device", "cpu",
                "--out", png.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(1, run.err().split("Loading model", -1).length - 1, run.err());
        assertFalse(run.err().contains("Warning"), run.err());
        assertTrue(run.out().startsWith("Wrote " + png.toAbsolutePath()), run.out());
    }

    /**
     * A LoRA the LoRA folder lacks is refused before the model is searched for or loaded, naming the folder looked in
     * and --lora-dir; with --from, also that the image records names, not folders. Nothing is written.
     */
    @Test
    void aLoraTheFolderLacksIsRefusedBeforeTheModelIsLoaded(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("styles"));
        String model = Golden.file("e2e-tiny/model").toString();
        Path out = tmp.resolve("out.png");
        String missing = "jimeng: No LoRA named 'peft' in " + empty + ". Available: none";
        Run given = Run.of(tmp, "generate", "--model", model, "--prompt", "fox", "--lora", "peft:0.8", "--lora-dir",
                empty.toString(), "--out", out.toString());
        assertEquals(JimengCli.USAGE, given.status(), given.err());
        assertTrue(given.err().startsWith(missing), given.err());
        assertTrue(given.err().endsWith(" Give the folder that holds it with --lora-dir DIR.\n"), given.err());

        Path recorded = GenerateOptionsTest.recordedPng(tmp.resolve("fox.png"), GenerationRequest.builder("fox")
                .seed(1).loras(List.of(new LoraUse("peft", 0.8))).build(), "m");
        Run from = Run.of(tmp, "generate", "--model", model, "--from", recorded.toString(), "--lora-dir",
                empty.toString(), "--out", out.toString());
        assertEquals(JimengCli.USAGE, from.status(), from.err());
        assertTrue(from.err().startsWith(missing), from.err());
        assertTrue(from.err().endsWith(" Give the folder that holds it with --lora-dir DIR (fox.png records the "
                + "LoRAs' names, not their folder), or other LoRAs with --lora NAME:STRENGTH.\n"), from.err());
        assertFalse(given.err().contains("Model:") || from.err().contains("Model:"), "no model was searched for");
        assertFalse(Files.exists(out));
    }

    @Test
    void sizeIsWidthByHeight(@TempDir Path tmp) throws IOException {
        Path b = tmp.resolve("b.png");
        String p2 = E2e.prompt("case_b");
        Run run = Run.of(tmp, "generate", "--model", Golden.file("e2e-tiny/model").toString(), "--prompt", p2,
                "--seed", "7", "--steps", "3", "--size", "192x256", "--quiet", "--out", b.toString());
        assertEquals(0, run.status(), run.err());
        assertPngMatches(Golden.file("e2e-tiny/expected/case_b_p2_seed7_256x192_n3.png"), b);
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file(
                "e2e-tiny/expected/case_b_p2_seed7_256x192_n3.safetensors"))) {
            assertEquals(256, f.info("image_uint8").shape()[0], "the reference is 256 high");
        }
    }

    @Test
    void withoutAModelItSaysWhereItLookedAndHowToGetOne(@TempDir Path home) {
        Run run = Run.of(home, "generate", "--prompt", "x", "--quiet");
        assertEquals(JimengCli.FAILED, run.status());
        String err = run.err();
        assertTrue(err.startsWith("jimeng: No complete Z-Image-Turbo model found. Looked in:\n"), err);
        assertTrue(err.contains(home.resolve("Fiji.app/models").toString()), err);
        assertTrue(err.contains(home.resolve(".cache/huggingface/hub").toString()), err);
        assertTrue(err.contains(home.resolve("ComfyUI/models").toString()), err);
        assertTrue(err.contains("hf download Tongyi-MAI/Z-Image-Turbo"), err);

        Run given = Run.of(home, "generate", "--prompt", "x", "--model", home.resolve("nowhere").toString());
        assertEquals(JimengCli.FAILED, given.status());
        assertTrue(given.err().contains(home.resolve("nowhere") + ": does not exist"), given.err());
    }

    @Test
    void usageErrorsNameTheOptionAndExitWithTwo(@TempDir Path home) {
        Run run = Run.of(home, "generate", "--prompt", "x", "--size", "100x100");
        assertEquals(JimengCli.USAGE, run.status());
        assertTrue(run.err().startsWith("jimeng: --size: width is 100 px: use a multiple of 16"), run.err());
        assertEquals(JimengCli.USAGE, Run.of(home).status());
        Run unknown = Run.of(home, "paint");
        assertEquals("jimeng: unknown command 'paint'; use generate, loras, download or selftest.\n", unknown.err());
        Run help = Run.of(home, "generate", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("--size WxH               WIDTH x HEIGHT in pixels, width first"));
        assertTrue(Run.of(home, "--version").out().startsWith("Jimeng Studio "));
    }

    @Test
    void selftestRunsTheWholePipelineOnATinyRandomModel(@TempDir Path tmp) {
        Run run = Run.of(tmp, "selftest", "--size", "128x128", "--steps", "2", "--keep", tmp.resolve("m").toString());
        assertEquals(0, run.status(), run.err() + run.out());
        assertTrue(run.out().contains("Engine: libtorch 2.7.1"), run.out());
        assertTrue(run.out().contains("Self-test passed on cpu (float32)"), run.out());
        assertTrue(run.out().contains("Turbo run:   Time: encoding"), run.out());
        assertTrue(tmp.resolve("m/transformer/diffusion_pytorch_model.safetensors").toFile().isFile());
    }

    /** Prompts of the golden cases. */
    static final class E2e {
        static String prompt(String prefix) throws IOException {
            String json = java.nio.file.Files.readString(Golden.file("e2e-tiny/expected/cases.json"));
            for (var c : com.google.gson.JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("cases")) {
                if (c.getAsJsonObject().get("name").getAsString().startsWith(prefix)) {
                    return c.getAsJsonObject().get("prompt").getAsString();
                }
            }
            throw new AssertionError(prefix);
        }
    }
}
