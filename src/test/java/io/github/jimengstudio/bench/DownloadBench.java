package io.github.jimengstudio.bench;

import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.DownloadResult;
import io.github.jimengstudio.pipeline.download.FakeHub;
import io.github.jimengstudio.pipeline.download.ModelDownloader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How fast the downloader can take bytes: a loopback fake Hub serves {@code files} LFS files of {@code mb} MB each
 * (through the redirect to its fake CDN), and the downloader receives, hashes (sha256) and writes them, with 1 and
 * with 4 files at a time. A real line (typically 10-120 MB/s from the Hub's CDN) should be the limit, never this.
 * Also prints sha256 alone, the floor of the per-byte work. Args: [files] [mb] [runs].
 */
public final class DownloadBench {
    private DownloadBench() {}

    public static void main(String[] args) throws Exception {
        int files = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int mb = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Map<String, byte[]> repo = new TreeMap<>();
        long seed = 42;
        for (int f = 0; f < files; f++) {
            byte[] b = new byte[mb << 20];
            for (int i = 0; i < b.length; i += 8) { // xorshift: incompressible, cheap to make
                seed ^= seed << 13;
                seed ^= seed >>> 7;
                seed ^= seed << 17;
                for (int k = 0; k < 8; k++) {
                    b[i + k] = (byte) (seed >>> (8 * k));
                }
            }
            repo.put("transformer/shard-" + f + ".safetensors", b);
        }
        long total = (long) files * (mb << 20);

        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        for (byte[] b : repo.values()) {
            sha.update(b);
        }
        sha.digest();
        System.out.printf("sha256 alone: %.0f MB/s%n", total / 1e6 / ((System.nanoTime() - t0) / 1e9));

        try (FakeHub hub = new FakeHub(repo)) {
            for (int parallel : new int[] {1, 4}) {
                double best = 0;
                for (int r = 0; r < runs; r++) {
                    Path target = Files.createTempDirectory("download-bench");
                    try {
                        DownloadResult res = new ModelDownloader(hub.options().withParallelFiles(parallel)
                                .withProgressInterval(Duration.ofMillis(200))).download(FakeHub.REPO, "main", target,
                                        DownloadListener.none(), CancellationToken.none());
                        double mbps = res.bytesTransferred() / 1e6 / (res.elapsed().toNanos() / 1e9);
                        best = Math.max(best, mbps);
                        System.out.printf("  %d file(s) at a time, run %d: %.2f s, %.0f MB/s%n", parallel, r + 1,
                                res.elapsed().toNanos() / 1e9, mbps);
                    } finally {
                        try (Stream<Path> s = Files.walk(target)) {
                            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                                Files.delete(p);
                            }
                        }
                    }
                }
                System.out.printf("download of %d x %d MB over loopback, %d at a time: best %.0f MB/s%n", files, mb,
                        parallel, best);
            }
        }
    }
}
