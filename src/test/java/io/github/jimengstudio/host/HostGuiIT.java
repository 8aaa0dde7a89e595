package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.host.FijiHost.Mode;
import io.github.jimengstudio.host.FijiHost.Result;
import java.awt.Rectangle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a person does in the ImageJ window (under Xvfb): the Studio Panel opens docked below the main window, takes a
 * typed prompt and generates; Generate Image run from the menu is recorded by the macro recorder, and the recorded
 * line, replayed as a macro, makes the same image. Screenshots go to {@code target/fiji-host/gui/out}.
 */
class HostGuiIT {
    private static FijiHost host;
    private static Path out;

    @BeforeAll
    static void install() throws Exception {
        host = FijiHost.install("gui");
        out = Files.createDirectories(host.app().resolve("out"));
    }

    @Test
    void studioPanelOpensDockedBelowTheMainWindowAndGenerates() throws Exception {
        Result r = host.run(Mode.GUI, "panel", HostMacrosIT.resource("panel.ijm"), out.toString());
        Rectangle main = bounds(r, "ImageJ");
        Rectangle panel = bounds(r, "Jimeng Studio");
        assertEquals(main.y + main.height, panel.y, "the panel's top is the main window's bottom:\n" + r.output());
        assertEquals(main.x, panel.x, "left-aligned with the main window");
        assertTrue(r.value("click").startsWith("clicked"), r.value("click"));
        assertEquals("1", r.value("panel.images"), r.output());
        assertEquals("a red fox in the snow, watercolor", r.value("panel.prompt"));
        assertTrue(Files.size(out.resolve("panel-generated.png")) > 0);

        String menu = r.output().substring(r.output().indexOf("RESULT menu.begin"), r.output().indexOf(
                "RESULT menu.end"));
        for (String item : List.of("Studio Panel", "Generate Image...", "Regenerate from Image",
                "Save with Provenance...", "Set Model Folder...", "Set LoRA Folder...", "Refresh LoRAs",
                "Download Model...", "Unload Model", "Cancel", "Diagnostics")) {
            assertEquals(1, HostMacrosIT.count(menu, item + "\n") , item + " once in the menu:\n" + menu);
        }
        assertTrue(r.value("generate.command").startsWith("command:io.github.jimengstudio.fiji.GenerateImageCommand"),
                r.value("generate.command"));
    }

    @Test
    void theRecorderRecordsGenerateImageAndItsLineReplaysUnchanged() throws Exception {
        // part 0 leaves a prompt and seed as the dialog's remembered values; part 1 runs the command from the menu
        // (the recorder records only outside macros) and presses OK; part 2 reads the recorder.
        Path part0 = Files.createDirectories(host.app().resolve("macros")).resolve("record-0.ijm");
        Files.writeString(part0, "run(\"Generate Image...\", \"prompt=[a red fox in the snow, watercolor] width=256 "
                + "height=256 steps=4 guidance=0 seed=42\");\nclose(\"*\");\n");
        Path part1 = part0.resolveSibling("record-1.ijm");
        Files.writeString(part1, HostMacrosIT.resource("record.ijm"));
        Path part2 = part0.resolveSibling("record-2.ijm");
        Files.writeString(part2, HostMacrosIT.resource("record-2.ijm"));
        Result r = host.exec(List.of("macros", out.toString(), part0.toString(), part1.toString(), part2.toString()),
                // the menu run must end before the next macro starts, or the recorder sees a macro running
                java.util.Map.of("JAVA_OPTS", "-Dfijicore.pause=12000"), 180);
        assertEquals("1", r.value("record.images"), r.output());
        String recorded = r.value("recorded");
        assertTrue(recorded.startsWith("run(\"Generate Image...\", \"prompt=[a red fox in the snow, watercolor] "),
                recorded);
        assertTrue(recorded.contains(" seed=42 "), recorded);

        // the recorded line, as a user pastes it into a macro, headless: the golden pixels
        String replay = recorded + "\nsaveAs(\"PNG\", \"" + out.resolve("replayed.png") + "\");\n";
        Result again = host.run(Mode.HEADLESS, "replay", replay, null);
        HostMacrosIT.assertMatchesGolden("case_a_p1_seed42_256x256_n4.png", out.resolve("replayed.png"));
        assertTrue(!again.printed("Macro Error"), again.output());
    }

    @Test
    void aFailureFromTheMenuShowsAShortWrappedErrorWithDetails() throws Exception {
        Path dir = Files.createDirectories(host.app().resolve("macros"));
        Path part1 = dir.resolve("error-dialog.ijm");
        Files.writeString(part1, HostMacrosIT.resource("error-dialog.ijm"));
        Path part2 = dir.resolve("error-dialog-2.ijm");
        Files.writeString(part2, HostMacrosIT.resource("error-dialog-2.ijm"));
        Result r = host.exec(List.of("macros", out.toString(), part1.toString(), part2.toString()),
                java.util.Map.of("JAVA_OPTS", "-Dfijicore.pause=6000"), 150);
        Rectangle dialog = bounds(r, "Jimeng Studio");
        assertTrue(dialog.width <= 800 && dialog.height <= 400, "the error dialog fits a screen: " + dialog);
        assertTrue(r.value("details").startsWith("clicked"), r.output());
        assertTrue(r.value("ok").startsWith("clicked"), r.output());
        assertEquals(1, HostMacrosIT.count(r.output(), "[ERROR] Jimeng Studio: This image has no Jimeng Studio"),
                "logged once:\n" + r.output());
    }

    /** A window's bounds from fijicore.Probe.windows's line "TITLE [class] java.awt.Rectangle[x=..,y=..,...]". */
    static Rectangle bounds(Result r, String title) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(title)
                + " \\[[^\\]]+\\] java.awt.Rectangle\\[x=(-?\\d+),y=(-?\\d+),width=(\\d+),height=(\\d+)\\]")
                .matcher(r.output());
        assertTrue(m.find(), "no window " + title + " in:\n" + r.output());
        return new Rectangle(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)));
    }
}
