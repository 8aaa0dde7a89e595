package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.download.DownloadCancelledException;
import io.github.jimengstudio.pipeline.download.DownloadOptions;
import io.github.jimengstudio.pipeline.download.DownloadResult;
import io.github.jimengstudio.pipeline.download.ModelDownloadException;
import io.github.jimengstudio.pipeline.download.ModelDownloader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jimeng download}: the project's {@link ModelDownloader} on a terminal. The files go into a Hugging Face hub
 * cache (by default the one diffusers and {@code hf download} share, which {@code generate} searches), resumably:
 * Ctrl+C or a lost connection keep what arrived, and the next run continues from it.
 */
final class DownloadCommand {
    static final String USAGE = String.join("\n",
            "Usage: jimeng download [--dir DIR] [--revision R] [--quiet]",
            "",
            "Downloads " + ModelLocator.ZIMAGE_REPO + " (about 33 GB) from the Hugging Face Hub, checked against",
            "the Hub's checksums. Ctrl+C stops it; what arrived is kept and the next run continues from there.",
            "Files already in the cache (from diffusers or 'hf download') are not fetched again.",
            "",
            "  --dir DIR                a folder to download into, in the Hugging Face cache layout (default: the",
            "                           Hugging Face cache: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub,",
            "                           where generate finds the model without --model)",
            "  --revision R             a branch, tag or commit of the repository (default main)",
            "  --quiet                  print only errors",
            "",
            "HF_ENDPOINT names a mirror; HF_TOKEN is sent to it when set (Z-Image-Turbo needs none).");

    /**
     * @param dir      {@code --dir}, or null for the default hub cache
     * @param revision {@code --revision}
     * @param quiet    errors only
     */
    record Options(Path dir, String revision, boolean quiet) {}

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Path home;
    private final boolean terminal;

    DownloadCommand(PrintStream out, PrintStream err, Map<String, String> env, Path home, boolean terminal) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.home = home;
        this.terminal = terminal;
    }

    static Options parse(List<String> args) throws UsageException {
        Arguments a = Arguments.parse("download", args, Set.of("--dir", "--revision"), Set.of("--quiet"));
        String dir = a.one("--dir");
        String revision = a.one("--revision");
        return new Options(dir == null ? null : Path.of(dir), revision == null ? "main" : revision,
                a.has("--quiet"));
    }

    int run(Options o, CancellationToken cancel) {
        Path target = o.dir() != null ? o.dir() : ModelDownloader.defaultTarget(env, home);
        TerminalProgress progress = new TerminalProgress(o.quiet() ? TerminalProgress.NOWHERE : err, terminal);
        ModelDownloader downloader;
        try {
            downloader = new ModelDownloader(DownloadOptions.fromEnvironment(env));
        } catch (IllegalArgumentException e) {
            err.println("jimeng: HF_ENDPOINT: " + e.getMessage());
            return JimengCli.FAILED;
        }
        DownloadResult result;
        try {
            result = downloader.download(ModelLocator.ZIMAGE_REPO, o.revision(), target, progress, cancel);
        } catch (IllegalArgumentException e) { // checked before anything is fetched
            err.println("jimeng: --revision: " + e.getMessage());
            return JimengCli.USAGE;
        } catch (DownloadCancelledException e) {
            progress.close();
            err.println("jimeng: " + e.getMessage());
            return JimengCli.CANCELLED;
        } catch (ModelDownloadException e) {
            progress.close();
            err.println("jimeng: " + e.getMessage());
            return JimengCli.FAILED;
        }
        progress.close();
        if (!o.quiet()) {
            out.println(result.describe());
            out.println(o.dir() == null ? "'jimeng generate' finds it there without --model."
                    : "Use it with: jimeng generate --model " + target.toAbsolutePath() + " ...");
        }
        return JimengCli.OK;
    }
}
