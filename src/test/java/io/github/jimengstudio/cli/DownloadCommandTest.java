package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.ModelSearch;
import io.github.jimengstudio.pipeline.download.FakeHub;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jimeng download} against the test hub on the loopback interface ({@code HF_ENDPOINT} points at it). */
class DownloadCommandTest {
    private static final String BIG = "transformer/diffusion_pytorch_model-00002-of-00002.safetensors";

    @TempDir
    Path tmp;
    private FakeHub hub;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private Map<String, String> env() {
        return Map.of("HF_ENDPOINT", hub.url());
    }

    @Test
    void downloadsIntoTheHubCacheThatGenerateSearchesWithProgress() throws Exception {
        Run run = Run.of(tmp, env(), "download");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().startsWith("Tongyi-MAI/Z-Image-Turbo@"), run.err());
        assertTrue(run.err().contains("Downloading 100% "), "progress, a line per tenth off a terminal: " + run.err());
        assertTrue(run.out().startsWith("Downloaded "), run.out());
        assertTrue(run.out().contains("'jimeng generate' finds it there without --model."), run.out());
        // the default target is the home's Hugging Face cache, where generate looks without --model
        assertEquals(tmp.resolve(".cache/huggingface/hub").toAbsolutePath().normalize(),
                new ModelSearch(Map.of(), tmp).find(null).root().getParent().getParent().getParent());

        Run again = Run.of(tmp, env(), "download", "--quiet");
        assertEquals(0, again.status(), again.err());
        assertEquals("", again.out() + again.err());
    }

    @Test
    void ctrlCStopsKeepingWhatArrivedAndTheNextRunContinuesFromIt() throws Exception {
        Path dir = tmp.resolve("models");
        hub.slow(BIG, 20);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CancellationToken cancel = new CancellationToken();
        DownloadCommand command = new DownloadCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env(), tmp, false);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> command.run(
                new DownloadCommand.Options(dir, "main", false), cancel));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!err.toString(StandardCharsets.UTF_8).contains("Downloading ") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        cancel.cancel();
        assertEquals(JimengCli.CANCELLED, status.get(60, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("jimeng: Download of Tongyi-MAI/Z-Image-Turbo cancelled: "), said);
        assertTrue(said.contains("run the download again to continue from there."), said);
        long servedBeforeCancel = hub.bytesServedTotal();
        assertTrue(servedBeforeCancel < hub.downloadSize(), servedBeforeCancel + " of " + hub.downloadSize());

        hub.fast();
        hub.resetCounters();
        Run rest = Run.of(tmp, env(), "download", "--dir", dir.toString());
        assertEquals(0, rest.status(), rest.err());
        assertTrue(hub.bytesServedTotal() < hub.downloadSize(), "continued, not started over: "
                + hub.bytesServedTotal() + " of " + hub.downloadSize());
        assertTrue(rest.out().contains("Use it with: jimeng generate --model " + dir.toAbsolutePath()), rest.out());
        assertTrue(Run.of(tmp, "generate", "--model", dir.toString(), "--prompt", "fox", "--steps", "1", "--size",
                "64x64", "--quiet").status() == 0, "the downloaded model generates");
    }

    @Test
    void aRevisionThatCannotBeOneIsAUsageError() {
        Run run = Run.of(tmp, env(), "download", "--revision", "../x");
        assertEquals(JimengCli.USAGE, run.status());
        assertTrue(run.err().startsWith("jimeng: --revision: "), run.err());
    }
}
