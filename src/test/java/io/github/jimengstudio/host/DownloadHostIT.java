package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.host.FijiHost.Mode;
import io.github.jimengstudio.host.FijiHost.Result;
import io.github.jimengstudio.pipeline.download.FakeHub;
import io.github.jimengstudio.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A first run in a real ImageJ with no model anywhere: Generate Image stops the macro saying no model was found;
 * Download Model... fetches it (from a Hub on this machine's loopback, serving the golden tiny model, named by
 * {@code HF_ENDPOINT} as a mirror would be) into a folder of the user's, which becomes the model folder; the next
 * Generate Image gives the golden pixels. Headless, as on a cluster.
 */
class DownloadHostIT {

    @Test
    void withoutAModelGenerateSaysSoAndDownloadModelMakesTheNextGenerateWork() throws Exception {
        FijiHost host = FijiHost.installPlugin("download");
        Path out = Files.createDirectories(host.app().resolve("out"));
        Map<String, byte[]> repo = new TreeMap<>();
        Path model = Golden.file("e2e-tiny/model");
        try (Stream<Path> s = Files.walk(model)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                repo.put(model.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        String gen = "run(\"Generate Image...\", \"prompt=[a red fox in the snow, watercolor] width=256 height=256 "
                + "steps=4 seed=42\");\n";
        try (FakeHub hub = new FakeHub(repo)) {
            // the user's home is the app folder: no Hugging Face cache or ComfyUI folder of this machine is found
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.url(), "HOME", host.app().toString(),
                    "JAVA_OPTS", "-Duser.home=" + host.app());
            Path first = write(host, "first-run.ijm", gen + "print(\"RESULT after=reached\");\n");
            Result none = host.exec(List.of("headless-macro", first.toString()), env, 150);
            assertTrue(none.printed("No complete Z-Image-Turbo model found"), none.output());
            assertTrue(!none.printed("RESULT after"), "the macro went on without a model:\n" + none.output());

            Path second = write(host, "download.ijm", "run(\"Download Model...\", \"folder=[" + out.resolve("hub")
                    + "]\");\n" + gen + "saveAs(\"PNG\", \"" + out.resolve("downloaded.png") + "\");\n"
                    + "print(\"RESULT model=\" + Property.get(\"jimeng.model\"));\n");
            Result r = host.exec(List.of("headless-macro", second.toString()), env, 150);
            assertTrue(r.value("model").startsWith("Tongyi-MAI/Z-Image-Turbo@"), r.output());
        }
        HostMacrosIT.assertMatchesGolden("case_a_p1_seed42_256x256_n4.png", out.resolve("downloaded.png"));
        assertEquals(true, Files.isDirectory(out.resolve("hub/models--Tongyi-MAI--Z-Image-Turbo/snapshots")));
    }

    @Test
    void withoutAModelTheStudioPanelOffersToChooseOrDownloadIt() throws Exception {
        FijiHost host = FijiHost.installPlugin("first-run");
        Path out = Files.createDirectories(host.app().resolve("out"));
        String macro = HostMacrosIT.resource("panel.ijm");
        macro = macro.substring(0, macro.indexOf("// Xvfb has no window manager")) // open and wait, no typing
                + "wait(2000);\ncall(\"fijicore.Probe.screenshot\", out + \"/panel-first-run.png\");\n"
                + "print(\"RESULT windows.begin\");\nprint(call(\"fijicore.Probe.windows\"));\n";
        Result r = host.exec(List.of("macro", write(host, "first-run-panel.ijm", macro).toString(), out.toString()),
                Map.of("HOME", host.app().toString(), "JAVA_OPTS", "-Duser.home=" + host.app()), 150);
        HostGuiIT.bounds(r, "Jimeng Studio");
        assertTrue(Files.size(out.resolve("panel-first-run.png")) > 0, r.output());
    }

    private static Path write(FijiHost host, String name, String macro) throws Exception {
        Path p = Files.createDirectories(host.app().resolve("macros")).resolve(name);
        Files.writeString(p, macro);
        return p;
    }
}
