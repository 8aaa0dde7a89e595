package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl+C on a real process (SIGINT): the shutdown hook cancels the generation, waits for it, and the process ends
 * with 130 and no image; the hook that turns a finished write into 0 must not change that.
 */
class CtrlCTest {

    @TempDir
    Path tmp;

    @Test
    void ctrlCDuringTheGenerationExits130AndWritesNothing() throws Exception {
        Path out = tmp.resolve("fox.png");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
        for (String key : new String[] {"ai.djl.offline", "jimeng.cache"}) {
            if (System.getProperty(key) != null) {
                cmd.add(2, "-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.addAll(List.of(JimengCli.class.getName(), "generate", "--model", Golden.file("e2e-tiny/model").toString(),
                "--prompt", "a fox", "--seed", "1", "--steps", "100", "--size", "1024x1024", "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.append(line).append('\n');
                if (line.startsWith("Device:")) { // loaded: the denoising loop is starting
                    Thread.sleep(500);
                    assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
                }
            }
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertTrue(log.toString().contains("Device:"), log.toString());
        assertEquals(JimengCli.CANCELLED, p.exitValue(), log.toString());
        assertTrue(log.toString().contains("jimeng: ") && log.toString().toLowerCase().contains("cancel"),
                log.toString());
        assertFalse(Files.exists(out));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no temporary file either");
        }
    }
}
