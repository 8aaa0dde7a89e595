package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.jimengstudio.testing.Golden;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A plain ImageJ 1.x (ij.jar alone, no imagej-legacy or Fiji): the plugin jar from the update site in
 * {@code plugins/}, its libraries and SciJava's core in {@code plugins/jars/}. ImageJ 1.x reads the menu entries
 * from the jar's {@code plugins.config}, and the same macro line as in Fiji generates the golden image and regenerates
 * it with the flag form (a failure stops the macro through the same command code, tested in the Fiji host; here
 * ImageJ's macro error dialog would wait for a person). ImageJ 1.x needs a display for its menus, so this runs
 * under an Xvfb of its own, in {@code -batch} mode.
 */
class PlainImageJIT {

    @Test
    void aPlainImageJ1SeesTheMenuAndRunsTheSameMacroLine() throws Exception {
        Path app = FijiHost.outputFolder().resolve("plain-ij");
        FijiHost.deleteTree(app);
        Path jars = Files.createDirectories(app.resolve("plugins/jars"));
        Path site = FijiHost.updateSite();
        try (Stream<Path> s = Files.walk(site)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".gz")) {
                    continue;
                }
                String jar = name.substring(0, name.lastIndexOf(".jar") + 4); // without the site's timestamp
                Path to = p.getParent().getFileName().toString().equals("plugins") ? app.resolve("plugins")
                        .resolve(jar) : jars.resolve(jar);
                Files.copy(p, to);
            }
        }
        // what Fiji provides and a plain ImageJ lacks: SciJava's core and the libraries Fiji ships
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.matches("(scijava-common|parsington|gson|jna|slf4j-api|pytorch-native-cpu)-.*\\.jar")) {
                Files.copy(Path.of(entry), jars.resolve(name));
            }
        }
        Path ij = Golden.shared().resolve("fiji-core/jars/ij-1.54p.jar");
        assertTrue(Files.isRegularFile(ij), "no ImageJ 1.x jar at " + ij);
        Path out = Files.createDirectories(app.resolve("out"));
        Path macro = app.resolve("plain.ijm");
        Files.writeString(macro, String.join("\n",
                "print(\"RESULT entry=\" + call(\"ij.Menus.getCommands\"));",
                "run(\"Generate Image...\", \"prompt=[a red fox in the snow, watercolor] width=256 height=256 steps=4 "
                        + "seed=42\");",
                "print(\"RESULT title=\" + getTitle());",
                "saveAs(\"PNG\", \"" + out.resolve("plain.png") + "\");",
                "run(\"Regenerate from Image\", \"new_seed\");",
                "print(\"RESULT variation=\" + Property.get(\"jimeng.seed\"));", ""));

        String display = freeDisplay();
        Process xvfb = new ProcessBuilder("Xvfb", display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
                .redirectErrorStream(true).redirectOutput(app.resolve("xvfb.log").toFile()).start();
        try {
            Thread.sleep(1000);
            List<String> cmd = new ArrayList<>(List.of("java", "-Dplugins.dir=" + app,
                    "-Djava.util.prefs.userRoot=" + app.resolve("prefs"), "-Dfile.encoding=UTF-8",
                    "-Djimeng.cache=" + FijiHost.outputFolder().resolve("jimeng-cache"), "-cp", ij.toString(),
                    "ij.ImageJ", "-batch", macro.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(app.resolve("run.log").toFile()).directory(app.toFile());
            pb.environment().put("DISPLAY", display);
            pb.environment().put("JIMENG_MODEL", Golden.file("e2e-tiny/model").toString());
            Process p = pb.start();
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("plain ImageJ did not finish: " + Files.readString(app.resolve("run.log")));
            }
        } finally {
            xvfb.destroy();
        }
        FijiHost.Result r = new FijiHost.Result(0, Files.readString(app.resolve("run.log"), StandardCharsets.UTF_8));
        assertTrue(r.value("entry").contains("Generate Image...=io.github.jimengstudio.fiji.ImageJ1Entry("
                + "\"GenerateImageCommand\")"), "ImageJ 1.x read plugins.config");
        assertEquals("a red fox in the snow, watercolor (seed 42)", r.value("title"), r.output());
        HostMacrosIT.assertMatchesGolden("case_a_p1_seed42_256x256_n4.png", out.resolve("plain.png"));
        assertFalse(r.value("variation").equals("42"), r.output());
    }

    static String freeDisplay() {
        for (int n = 70; n < 90; n++) {
            if (!Files.exists(Path.of("/tmp/.X11-unix/X" + n)) && !Files.exists(Path.of("/tmp/.X" + n + "-lock"))) {
                return ":" + n;
            }
        }
        throw new AssertionError("no free X display number in :70-:89");
    }
}
