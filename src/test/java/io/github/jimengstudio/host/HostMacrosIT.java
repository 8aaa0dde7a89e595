package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.host.FijiHost.Mode;
import io.github.jimengstudio.host.FijiHost.Result;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.testing.Tolerance;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every command from an ImageJ 1.x macro in the three ways ImageJ runs macros (GUI, {@code -batch},
 * {@code --headless -macro}), in a real ImageJ with the plugin installed from its update site (see
 * {@code src/test/resources/host/commands.ijm}): options a macro leaves out take their defaults without a dialog
 * (a dialog would hold the GUI run until the timeout), the result is the macro's current image (batch mode too),
 * Regenerate is exact, {@code new_seed} works as a flag, and a failure stops the macro with its message.
 */
class HostMacrosIT {
    private static FijiHost host;

    @BeforeAll
    static void install() throws Exception {
        host = FijiHost.install("macros");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyCommandRunsFromAMacroWithoutADialog(Mode mode) throws Exception {
        Path out = Files.createDirectories(host.app().resolve("out-" + mode));
        Files.writeString(out.resolve("prompt-b.txt"), caseBPrompt());
        Result r = host.run(mode, "commands-" + mode, resource("commands.ijm"), out.toString());

        assertEquals(mode != Mode.GUI ? "1" : "0", r.value("mode.batch"), r.output());
        // 1. defaults for what the options leave out, the image current, the golden pixels
        assertEquals(mode == Mode.GUI ? "1" : "1", r.value("generate.images"));
        assertEquals("a red fox in the snow, watercolor (seed 42)", r.value("generate.title"));
        assertEquals("42", r.value("generate.seed"));
        assertEquals("BALANCED", r.value("generate.memory_mode"));
        assertMatchesGolden("case_a_p1_seed42_256x256_n4.png", out.resolve("generate.png"));
        // 2. provenance saved; Regenerate exact; the new_seed flag gives another seed
        assertTrue(Files.size(out.resolve("saved.png")) > 0);
        assertEquals("42", r.value("regenerate.seed"));
        assertMatchesGolden("case_a_p1_seed42_256x256_n4.png", out.resolve("regenerate.png"));
        assertNotEquals("42", r.value("variation.seed"));
        // 3. a LoRA by name
        assertEquals("fox-style:0.8", r.value("lora.record"));
        assertMatchesGolden("case_d_p1_seed42_256x256_n4_lora0p8.png", out.resolve("lora.png"));
        // 4. batch mode: the new image, not the one selected before
        assertTrue(r.value("batch.title").endsWith("(seed 7)"), r.value("batch.title"));
        assertEquals("192x256", r.value("batch.size"));
        assertMatchesGolden("case_b_p2_seed7_256x192_n3.png", out.resolve("batch.png"));
        // 5.
        assertEquals("done", r.value("others"));
        // 6. the failure stopped the macro, with the message, logged once
        assertTrue(r.printed("The prompt is empty"), r.output());
        assertFalse(r.printed("RESULT after_failure"), "the macro went on after a failed generation:\n" + r.output());
        assertEquals(1, count(r.output(), "[ERROR] Jimeng Studio: The prompt is empty"), r.output());
    }

    @org.junit.jupiter.api.Test
    void headlessTheStudioPanelStopsTheMacroPointingToWhatWorksThere() throws Exception {
        Result r = host.run(Mode.HEADLESS, "panel-headless", "run(\"Studio Panel\");\nprint(\"RESULT after=reached\");\n",
                null);
        assertTrue(r.printed("The Studio panel needs a display; headless, use Generate Image..."), r.output());
        assertFalse(r.printed("RESULT after"), r.output());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = HostMacrosIT.class.getResourceAsStream("/host/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String caseBPrompt() throws IOException {
        String cases = Files.readString(Golden.file("e2e-tiny/expected/cases.json"));
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(cases).getAsJsonObject();
        return json.getAsJsonArray("cases").get(1).getAsJsonObject().get("prompt").getAsString();
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The golden rule for 8-bit pictures: every value within ±1, at least 99.5 % equal. */
    static void assertMatchesGolden(String goldenPng, Path actual) throws IOException {
        assertTrue(Files.isRegularFile(actual), "the macro wrote no " + actual);
        Tolerance.assertPixelsMatch(rgb(Golden.file("e2e-tiny/expected/" + goldenPng)), rgb(actual),
                actual.getFileName().toString());
    }

    static byte[] rgb(Path png) throws IOException {
        BufferedImage i = ImageIO.read(png.toFile());
        byte[] out = new byte[i.getWidth() * i.getHeight() * 3];
        int k = 0;
        for (int y = 0; y < i.getHeight(); y++) {
            for (int x = 0; x < i.getWidth(); x++) {
                int p = i.getRGB(x, y);
                out[k++] = (byte) (p >> 16);
                out[k++] = (byte) (p >> 8);
                out[k++] = (byte) p;
            }
        }
        return out;
    }
}
