package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.PngWriter;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The habits people bring from other image generators: names that never overwrite, seed -1, batches, quiet. */
class GenerateHabitsTest {

    @TempDir
    Path tmp;

    /** A fast run on the tiny model in {@code tmp} (which is also the current folder for default names). */
    private Run generate(String... options) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", Golden.file("e2e-tiny/model").toString(),
                "--prompt", "a fox", "--steps", "1", "--size", "64x64"));
        args.addAll(List.of(options));
        return Run.of(tmp, args.toArray(String[]::new));
    }

    private static long recordedSeed(Path png) throws IOException {
        return ProvenanceCodec.requestFromPng(png).seed();
    }

    private List<String> pngsInTmp() throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList();
        }
    }

    @Test
    void defaultNamesGetASuffixInsteadOfReplacingAndAnExplicitOutReplaces() throws IOException {
        assertEquals(0, generate("--seed", "5").status());
        byte[] first = Files.readAllBytes(tmp.resolve("jimeng-5.png"));
        Run second = generate("--seed", "5");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().startsWith("Wrote " + tmp.resolve("jimeng-5-1.png").toAbsolutePath()), second.out());
        assertEquals(0, generate("--seed", "5").status());
        assertEquals(List.of("jimeng-5-1.png", "jimeng-5-2.png", "jimeng-5.png"), pngsInTmp());
        assertArrayEquals(first, Files.readAllBytes(tmp.resolve("jimeng-5.png")), "the first image is untouched");

        Run replaced = generate("--seed", "6", "--out", tmp.resolve("jimeng-5.png").toString());
        assertEquals(0, replaced.status(), replaced.err());
        assertEquals(6, recordedSeed(tmp.resolve("jimeng-5.png")), "--out replaces what is there");
        assertEquals(3, pngsInTmp().size());
    }

    @Test
    void claimingANameSkipsTakenOnesAndLeavesThemAlone() throws IOException {
        Files.writeString(tmp.resolve("jimeng-9.png"), "mine");
        Files.writeString(tmp.resolve("jimeng-9-1.png"), "mine too");
        assertEquals(tmp.resolve("jimeng-9-2.png"), OutputName.claim(tmp.resolve("jimeng-9.png")));
        assertEquals("mine", Files.readString(tmp.resolve("jimeng-9.png")));
        assertEquals(tmp.resolve("jimeng-9-3.png"), OutputName.claim(tmp.resolve("jimeng-9.png")), "claimed once");
    }

    @Test
    void seedMinusOneIsARandomSeedDrawnFromTheSeedsThatGiveDistinctImages() throws Exception {
        assertNull(GenerateOptions.parse(List.of("--prompt", "x", "--seed", "-1")).request().seed());
        assertNull(GenerateOptions.parse(List.of("--prompt", "x", "--seed", "random")).request().seed());
        assertThrows(UsageException.class, () -> GenerateOptions.parse(List.of("--prompt", "x", "--seed", "-2")));

        Run run = generate("--seed", "-1", "--out", tmp.resolve("r.png").toString());
        assertEquals(0, run.status(), run.err());
        long seed = recordedSeed(tmp.resolve("r.png"));
        assertTrue(seed >= 0 && seed < GenerationRequest.DISTINCT_SEEDS, Long.toUnsignedString(seed));
        assertTrue(run.out().contains("seed " + seed + ")"), run.out());
    }

    @Test
    void aBatchWritesOnePngPerSeedFromOneLoadOfTheModel() throws IOException {
        Run run = generate("--seed", "7", "--batch", "3");
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of("jimeng-7.png", "jimeng-8.png", "jimeng-9.png"), pngsInTmp());
        for (int seed = 7; seed <= 9; seed++) {
            assertEquals(seed, recordedSeed(tmp.resolve("jimeng-" + seed + ".png")));
        }
        assertTrue(run.err().contains("Seed 7 to 9 (3 images)"), run.err());
        assertTrue(run.err().contains("Image 3 of 3, seed 9"), run.err());
        assertEquals(1, run.err().split("Device: ", -1).length - 1, "the model loads once: " + run.err());
        assertEquals(3, run.out().lines().filter(l -> l.startsWith("Wrote ")).count(), run.out());

        Run again = generate("--seed", "7", "--batch", "2", "--quiet");
        assertEquals(0, again.status(), again.err());
        assertTrue(Files.exists(tmp.resolve("jimeng-7-1.png")) && Files.exists(tmp.resolve("jimeng-8-1.png")));
    }

    @Test
    void aBatchRefusesOneOutFileAndABatchOutOfRange() {
        Run withOut = generate("--batch", "2", "--out", tmp.resolve("x.png").toString());
        assertEquals(JimengCli.USAGE, withOut.status());
        assertTrue(withOut.err().startsWith("jimeng: --out names one file, --batch 2 makes 2 images"), withOut.err());
        Run zero = generate("--batch", "0");
        assertEquals(JimengCli.USAGE, zero.status());
        assertEquals("jimeng: --batch 0 is not from 1 to 100.\n", zero.err());
    }

    @Test
    void aNegativePromptAtGuidanceZeroAndGpuModeOnTheCpuAreNotedButRun() throws IOException {
        Run run = generate("--seed", "1", "--negative", "blurry", "--memory-mode", "gpu", "--device", "cpu", "--out",
                tmp.resolve("n.png").toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("Note: the negative prompt is not used at guidance 0"), run.err());
        assertTrue(run.err().contains("Note: --memory-mode gpu, but there is no usable GPU (cpu): everything runs on"
                + " the CPU."), run.err());
        assertFalse(run.err().contains("jimeng:"), "notes are not errors: " + run.err());
        assertEquals("blurry", ProvenanceCodec.requestFromPng(tmp.resolve("n.png")).negativePrompt());

        Run guided = generate("--seed", "1", "--negative", "blurry", "--guidance", "2", "--out",
                tmp.resolve("g.png").toString());
        assertEquals(0, guided.status(), guided.err());
        assertFalse(guided.err().contains("negative prompt is not used"), guided.err());
    }

    @Test
    void fromAnotherToolsImageSaysWhatIsNotAppliedAndStillRuns() throws IOException {
        Path forge = tmp.resolve("forge.png");
        PngWriter.write(64, 64, new byte[64 * 64 * 3], forge, List.of(PngText.latin1("parameters",
                "castle\nSteps: 1, Sampler: DPM++ 2M, CFG scale: 0, Seed: 9, Size: 64x64, Model: sdxl, "
                        + "Hires upscale: 2, Version: f2.0.1")));
        Run run = Run.of(tmp, "generate", "--model", Golden.file("e2e-tiny/model").toString(), "--from",
                forge.toString(), "--out", tmp.resolve("z.png").toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("Note: forge.png comes from another tool; these of its settings are not "
                + "applied"), run.err());
        assertTrue(run.err().contains("\n  Sampler: DPM++ 2M\n  Model: sdxl\n  Hires upscale: 2\n"), run.err());
        assertEquals(9, recordedSeed(tmp.resolve("z.png")));
    }

    @Test
    void quietPrintsNothingButErrors() {
        Run ok = generate("--seed", "3", "--negative", "blurry", "--quiet");
        assertEquals(0, ok.status(), ok.err());
        assertEquals("", ok.out());
        assertEquals("", ok.err());
        assertTrue(Files.exists(tmp.resolve("jimeng-3.png")));

        Run failed = generate("--seed", "3", "--quiet", "--lora", "absent");
        assertEquals(JimengCli.USAGE, failed.status());
        assertEquals("", failed.out());
        assertTrue(failed.err().startsWith("jimeng: "), failed.err());
    }
}
