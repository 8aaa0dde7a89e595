package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.host.FijiHost.Mode;
import io.github.jimengstudio.host.FijiHost.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example macros in {@code scripts/examples/} run as users run them (Plugins > Macros > Run... in the GUI, and
 * headless), on the tiny model at a small size, each followed by a few lines that report what it left behind.
 */
class ExamplesIT {
    private static FijiHost host;

    @BeforeAll
    static void install() throws Exception {
        host = FijiHost.install("examples");
    }

    static String example(String name) throws Exception {
        Path p = Path.of("scripts", "examples", name).toAbsolutePath();
        assertTrue(Files.isRegularFile(p), "no example " + p);
        return Files.readString(p);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"GUI", "HEADLESS"})
    void seedSweepMakesOneStackWithASliceLabelledPerSeed(Mode mode) throws Exception {
        String macro = example("seed-sweep.ijm") + "\nprint(\"RESULT slices=\" + nSlices);\n"
                + "setSlice(1); print(\"RESULT first=\" + getInfo(\"slice.label\"));\n"
                + "setSlice(nSlices); print(\"RESULT last=\" + getInfo(\"slice.label\"));\n"
                + "print(\"RESULT title=\" + getTitle());\n";
        Result r = host.run(mode, "seed-sweep-" + mode, macro, "seeds=3 first=40 width=256 height=256 steps=2");
        assertEquals("3", r.value("slices"), r.output());
        assertEquals("seed 40", r.value("first"));
        assertEquals("seed 42", r.value("last"));
        assertEquals("Seed sweep", r.value("title"));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"GUI", "HEADLESS"})
    void newSeedMakesVariationsOfTheActiveImage(Mode mode) throws Exception {
        String macro = "run(\"Generate Image...\", \"prompt=[a red fox] width=256 height=256 steps=2 seed=42\");\n"
                + example("new-seed.ijm") + "\nprint(\"RESULT images=\" + nImages);\n";
        Result r = host.run(mode, "new-seed-" + mode, macro, "count=2");
        assertEquals("3", r.value("images"), r.output());
        assertTrue(r.printed("Variation 2: seed "), r.output());
        assertFalse(r.printed("Variation 1: seed 42\n"), r.output());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"GUI", "HEADLESS"})
    void eachLoraRendersThePromptOncePerLoraAfterOneWithout(Mode mode) throws Exception {
        String macro = example("each-lora.ijm") + "\nprint(\"RESULT slices=\" + nSlices);\n"
                + "labels = \"\"; for (i = 1; i <= nSlices; i++) { setSlice(i); labels = labels + getInfo(\"slice.label\")"
                + " + \";\"; }\nprint(\"RESULT labels=\" + labels);\n";
        Result r = host.run(mode, "each-lora-" + mode, macro, "width=256 height=256 steps=2 strength=0.8");
        assertEquals("3", r.value("slices"), r.output());
        assertEquals("LoRA: none;LoRA: fox-style;LoRA: kohya-style;", r.value("labels"));
    }
}
