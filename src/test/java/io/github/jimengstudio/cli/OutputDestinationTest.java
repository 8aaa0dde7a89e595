package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the image goes is checked before the model loads, so a bad --out costs seconds, not a generation. */
class OutputDestinationTest {

    @TempDir
    Path tmp;

    private Run generateTo(String out) {
        return Run.of(tmp, "generate", "--model", Golden.file("e2e-tiny/model").toString(), "--prompt", "fox",
                "--seed", "1", "--steps", "1", "--size", "64x64", "--quiet", "--out", out);
    }

    private static void assertRefusedBeforeTheModel(Run run, String... parts) {
        assertEquals(JimengCli.FAILED, run.status(), run.err());
        assertTrue(run.err().startsWith("jimeng: --out: "), run.err());
        for (String part : parts) {
            assertTrue(run.err().contains(part), "lacks <" + part + ">: " + run.err());
        }
        assertFalse(run.err().contains("Model:"), "the model was not looked for: " + run.err());
        assertFalse(run.err().contains(".part"), "no temporary file is named: " + run.err());
    }

    @Test
    void anOutThatIsAFolderIsRefusedBeforeTheModelLoads() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("pictures.png"));
        assertRefusedBeforeTheModel(generateTo(folder.toString()), folder + " is a folder");
    }

    @Test
    void anOutWhoseParentIsAFileIsRefusedBeforeTheModelLoads() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes"), "x");
        assertRefusedBeforeTheModel(generateTo(file.resolve("sub/fox.png").toString()),
                file + " is a file, not a folder");
    }

    @Test
    void anOutInAFolderWhereNoFileCanBeCreatedIsRefusedBeforeTheModelLoads() {
        // /proc takes no new files, not even from root, who passes every permission check
        assertRefusedBeforeTheModel(generateTo("/proc/jimeng-test.png"), "no file can be created in /proc");
    }

    @Test
    void aGoodOutIsWrittenAndLeavesNoTemporaryFileBehind() throws IOException {
        Path out = tmp.resolve("new/sub/fox.png");
        Run run = generateTo(out.toString());
        assertEquals(JimengCli.OK, run.status(), run.err());
        assertTrue(Files.isRegularFile(out));
        try (var files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "only the image: the probe and the temporary file are gone");
        }
    }

    @Test
    void anyThrowableIsAMessageAndExitOneWithoutATrace() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        JimengCli cli = new JimengCli(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), tmp);
        assertEquals(JimengCli.FAILED, cli.failed(new OutOfMemoryError("Java heap space")));
        assertEquals(JimengCli.FAILED, cli.failed(new StackOverflowError()));
        assertEquals(JimengCli.FAILED, cli.failed(new IllegalStateException()));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals("jimeng: ran out of Java memory (Java heap space); give Java more with JIMENG_JAVA_OPTS=-Xmx...,"
                + " or try a smaller --size\n"
                + "jimeng: internal error: the stack overflowed; please report it (JIMENG_DEBUG=1 shows where)\n"
                + "jimeng: internal error: java.lang.IllegalStateException; please report it (JIMENG_DEBUG=1 shows "
                + "where)\n", text);
    }

    @Test
    void ctrlCAfterTheImageWasWrittenEndsAsDoneAndBeforeAsCancelled() {
        CancellationToken written = new CancellationToken();
        Interruption afterWrite = new Interruption(written);
        afterWrite.finished(JimengCli.OK);
        assertEquals(JimengCli.OK, afterWrite.interrupted(1, TimeUnit.SECONDS));
        assertTrue(written.isCancelled(), "the token is cancelled all the same");

        Interruption cancelled = new Interruption(new CancellationToken());
        cancelled.finished(JimengCli.CANCELLED);
        assertEquals(JimengCli.CANCELLED, cancelled.interrupted(1, TimeUnit.SECONDS));

        Interruption stillRunning = new Interruption(new CancellationToken());
        assertEquals(JimengCli.CANCELLED, stillRunning.interrupted(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void aSizeBeyondAnyIntegerIsOutOfRangeNotNotAWholeNumber() {
        Run run = Run.of(tmp, "generate", "--prompt", "x", "--size", "99999999999x64");
        assertEquals(JimengCli.USAGE, run.status());
        assertEquals("jimeng: --size width '99999999999' is far out of range ('jimeng generate --help' gives the "
                + "allowed values).\n", run.err());
    }
}
