package io.github.jimengstudio.pipeline.download;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.LayoutKind;
import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.ModelNotFoundException;
import io.github.jimengstudio.pipeline.download.ModelDownloadException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDownloaderTest {
    private static final String REPO = FakeHub.REPO;
    private static final String BIG = "transformer/diffusion_pytorch_model-00002-of-00002.safetensors";
    private static final String VAE = "vae/diffusion_pytorch_model.safetensors";

    @TempDir
    Path tmp;
    private FakeHub hub;
    private Path cache;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        cache = tmp.resolve("hub");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    /** Remembers every call, and lets a test act on progress (e.g. cancel). */
    static final class Recorder implements DownloadListener {
        final List<DownloadProgress> events = Collections.synchronizedList(new ArrayList<>());
        final Map<String, FileOutcome> done = new ConcurrentHashMap<>();
        final List<String> doneOrder = Collections.synchronizedList(new ArrayList<>());
        volatile DownloadPlan plan;
        volatile Consumer<DownloadProgress> onProgress = p -> {};

        @Override
        public void planned(DownloadPlan p) {
            plan = p;
        }

        @Override
        public void progress(DownloadProgress p) {
            events.add(p);
            onProgress.accept(p);
        }

        @Override
        public void fileDone(String path, FileOutcome outcome) {
            done.put(path, outcome);
            doneOrder.add(path);
        }
    }

    private DownloadResult download(DownloadOptions options, DownloadListener listener, CancellationToken cancel)
            throws ModelDownloadException {
        return new ModelDownloader(options).download(REPO, "main", cache, listener, cancel);
    }

    private DownloadResult download() throws ModelDownloadException {
        return download(hub.options(), DownloadListener.none(), CancellationToken.none());
    }

    private Path repoDir() {
        return cache.resolve("models--Tongyi-MAI--Z-Image-Turbo");
    }

    private Path snapshot() {
        return repoDir().resolve("snapshots").resolve(hub.commit());
    }

    private Path incomplete(String path) {
        return repoDir().resolve("blobs").resolve(FakeHub.etag(path, hub.content(path)) + ".incomplete");
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".")).toList();
        }
    }

    private void assertSnapshotMatchesTheRepo() throws IOException {
        for (Map.Entry<String, byte[]> e : hub.files().entrySet()) {
            Path p = snapshot().resolve(e.getKey());
            if (e.getKey().startsWith("assets/")) {
                assertFalse(Files.exists(p), "assets/ is not downloaded: " + p);
                continue;
            }
            assertArrayEquals(e.getValue(), Files.readAllBytes(p), e.getKey());
        }
    }

    @Test
    void downloadsTheRepoIntoTheHubCacheLayoutThatTheLocatorRecognises() throws Exception {
        DownloadResult r = download(hub.options().withToken("hf_test_token"), DownloadListener.none(),
                CancellationToken.none());

        assertEquals(snapshot(), r.snapshot());
        assertEquals(FakeHub.COMMIT, r.commit());
        assertEquals(FakeHub.COMMIT, Files.readString(repoDir().resolve("refs/main"), StandardCharsets.UTF_8));
        assertSnapshotMatchesTheRepo();
        // Snapshot entries are relative links to blobs named by sha256 (LFS) or Git blob id, as huggingface_hub has them.
        String shard = "text_encoder/model-00001-of-00002.safetensors";
        assertEquals(Path.of("../../../blobs/" + FakeHub.sha256(hub.content(shard))),
                Files.readSymbolicLink(snapshot().resolve(shard)));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitBlobId(hub.content("model_index.json"))),
                Files.readSymbolicLink(snapshot().resolve("model_index.json")));
        // Two paths with one content share one blob.
        assertEquals(Files.readSymbolicLink(snapshot().resolve("README.md")).getFileName(),
                Files.readSymbolicLink(snapshot().resolve("docs/README.md")).getFileName());
        assertEquals(List.of(), leftovers());

        int files = (int) hub.files().keySet().stream().filter(p -> !p.startsWith("assets/")).count();
        assertEquals(files, r.filesDownloaded());
        assertEquals(0, r.filesPresent());
        assertEquals(hub.downloadSize(), r.totalBytes());
        assertEquals(hub.downloadSize(), r.bytesTransferred());
        assertEquals(hub.downloadSize(), hub.bytesServedTotal());
        // The token goes to the Hub only, never to the CDN the weights are redirected to.
        assertTrue(hub.hubAuthorizations().stream().allMatch("Bearer hf_test_token"::equals));
        assertFalse(hub.cdnAuthorizations().isEmpty());
        assertTrue(hub.cdnAuthorizations().stream().allMatch("null"::equals), hub.cdnAuthorizations().toString());

        // Given the cache folder, its repo folder or the snapshot, the locator finds a complete model.
        ModelLocator locator = new ModelLocator(Map.of(), tmp.resolve("no-home"));
        for (Path entry : List.of(cache, repoDir(), snapshot())) {
            ModelLocation loc = locator.locate(entry);
            assertEquals(LayoutKind.HF_CACHE, loc.kind());
            assertEquals(snapshot(), loc.root());
            assertEquals(REPO + "@" + FakeHub.COMMIT, loc.identity());
        }
    }

    @Test
    void progressIsMonotonicAndEndsAtTheTotals() throws Exception {
        Recorder rec = new Recorder();
        download(hub.options().withParallelFiles(3), rec, CancellationToken.none());

        long total = hub.downloadSize();
        assertEquals(total, rec.plan.totalBytes());
        assertEquals(0, rec.plan.presentBytes());
        int fileCount = rec.plan.files().size();
        assertEquals(hub.files().size() - 1, fileCount); // all but the picture in assets/
        long previous = 0;
        Map<String, Long> perFile = new HashMap<>();
        for (DownloadProgress p : rec.events) {
            assertEquals(total, p.totalBytes());
            assertEquals(fileCount, p.fileCount());
            assertTrue(p.doneBytes() >= previous, "done went back from " + previous + " to " + p.doneBytes());
            assertTrue(p.fileBytes() <= p.fileSize() && p.doneBytes() <= total);
            assertTrue(p.fileBytes() >= perFile.getOrDefault(p.file(), 0L), p.file() + " went back");
            assertTrue(p.bytesPerSecond() >= 0);
            perFile.put(p.file(), p.fileBytes());
            previous = p.doneBytes();
        }
        DownloadProgress last = rec.events.get(rec.events.size() - 1);
        assertEquals(total, last.doneBytes());
        assertEquals(fileCount, last.filesDone());
        assertEquals(Duration.ZERO, last.eta().orElseThrow());
        assertTrue(last.describe().startsWith("100% "), last.describe());
        assertEquals(fileCount, rec.doneOrder.size()); // each file reported once
        assertEquals(fileCount, rec.done.size());
        assertTrue(rec.done.values().stream().allMatch(o -> o == FileOutcome.DOWNLOADED));
        // The big shard was reported in several steps, each at most one network batch apart.
        assertTrue(rec.events.stream().filter(p -> p.file().equals(BIG)).count() > 10);
    }

    @Test
    void aDroppedConnectionIsResumedFromTheByteItStoppedAt() throws Exception {
        hub.dropAfter(BIG, 1_000_000);
        hub.dropAfter("vae/config.json", 100); // a small file stored in Git, from the Hub itself
        DownloadResult r = download();

        assertEquals(List.of("", "bytes=1000000-"), hub.ranges(BIG));
        assertEquals(List.of("", "bytes=100-"), hub.ranges("vae/config.json"));
        assertEquals(hub.content(BIG).length, hub.bytesServed(BIG)); // nothing was sent twice
        assertEquals(hub.downloadSize(), r.bytesTransferred());
        assertSnapshotMatchesTheRepo();
    }

    @Test
    void aCrashLeavesAPartialFileThatTheNextRunContinues() throws Exception {
        byte[] big = hub.content(BIG);
        int kept = 1_234_567;
        Files.createDirectories(incomplete(BIG).getParent());
        Files.write(incomplete(BIG), java.util.Arrays.copyOf(big, kept));
        Recorder rec = new Recorder();

        download(hub.options(), rec, CancellationToken.none());

        assertEquals(kept, rec.plan.presentBytes());
        assertEquals(List.of("bytes=" + kept + "-"), hub.ranges(BIG));
        assertEquals(big.length - kept, hub.bytesServed(BIG));
        assertEquals(FileOutcome.RESUMED, rec.done.get(BIG));
        assertTrue(rec.events.get(0).doneBytes() >= kept, "the kept bytes count as done from the start");
        assertSnapshotMatchesTheRepo();
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aServerThatIgnoresTheRangeRestartsTheFileAndProgressStillNeverGoesBack() throws Exception {
        byte[] big = hub.content(BIG);
        Files.createDirectories(incomplete(BIG).getParent());
        Files.write(incomplete(BIG), java.util.Arrays.copyOf(big, 2_000_000));
        hub.ignoreRange(true);
        Recorder rec = new Recorder();

        download(hub.options(), rec, CancellationToken.none());

        assertEquals(big.length, hub.bytesServed(BIG));
        long previous = 0;
        for (DownloadProgress p : rec.events) {
            assertTrue(p.doneBytes() >= previous);
            previous = p.doneBytes();
        }
        assertEquals(hub.downloadSize(), previous);
        assertSnapshotMatchesTheRepo();
    }

    @Test
    void cancelMidFileKeepsTheBytesAndTheNextRunCompletesThem() throws Exception {
        hub.slow(BIG, 5);
        CancellationToken cancel = new CancellationToken();
        Recorder rec = new Recorder();
        rec.onProgress = p -> {
            if (p.file().equals(BIG) && p.fileBytes() >= 256 * 1024) {
                cancel.cancel();
            }
        };
        long t0 = System.nanoTime();
        DownloadCancelledException e = assertThrows(DownloadCancelledException.class,
                () -> download(hub.options(), rec, cancel));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "the cancel took effect late");
        assertMentions(e, "cancelled", "run the download again");
        long kept = Files.size(incomplete(BIG));
        // Stopped within a few network batches of the cancel, not at the end of the file.
        assertTrue(kept >= 256 * 1024 && kept < 1024 * 1024, "kept " + kept);
        assertFalse(Files.exists(repoDir().resolve("refs/main")), "refs/main names only complete snapshots");
        ModelLocator locator = new ModelLocator(Map.of(), tmp.resolve("no-home"));
        assertThrows(ModelNotFoundException.class, () -> locator.locate(cache));

        hub.fast();
        hub.resetCounters();
        Recorder again = new Recorder();
        download(hub.options(), again, CancellationToken.none());

        assertEquals(List.of("bytes=" + kept + "-"), hub.ranges(BIG));
        assertEquals(hub.content(BIG).length - kept, hub.bytesServed(BIG));
        assertEquals(FileOutcome.RESUMED, again.done.get(BIG));
        assertSnapshotMatchesTheRepo();
        assertEquals(LayoutKind.HF_CACHE, locator.locate(cache).kind());
    }

    @Test
    void aDamagedFileIsDeletedNamedAndFetchedAgainAlone() throws Exception {
        hub.corrupt(VAE);
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> download(hub.options().withParallelFiles(1), DownloadListener.none(), CancellationToken.none()));
        assertEquals(Reason.CHECKSUM, e.reason());
        String sha = FakeHub.sha256(hub.content(VAE));
        assertMentions(e, VAE + " is damaged", "sha256", sha, "deleted", "run the download again");
        assertFalse(Files.exists(incomplete(VAE)));
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(snapshot().resolve(VAE)));

        List<String> completeBefore = hub.files().keySet().stream()
                .filter(p -> Files.exists(snapshot().resolve(p))).toList();
        assertFalse(completeBefore.isEmpty(), "the larger files finished before the damaged one");

        hub.healCorruption();
        hub.resetCounters();
        download();
        assertEquals(hub.content(VAE).length, hub.bytesServed(VAE));
        for (String p : completeBefore) {
            assertEquals(0, hub.bytesServed(p), p + " was complete and is not fetched again");
        }
        assertSnapshotMatchesTheRepo();
    }

    @Test
    void aDamagedGitFileIsCaughtByItsBlobId() throws Exception {
        hub.corrupt("transformer/config.json");
        ModelDownloadException e = assertThrows(ModelDownloadException.class, this::download);
        assertEquals(Reason.CHECKSUM, e.reason());
        assertMentions(e, "transformer/config.json is damaged", "Git blob sha1",
                FakeHub.gitBlobId(hub.content("transformer/config.json")));
    }

    @Test
    void aMissingRepositoryOrRevisionIsNamed() {
        ModelDownloadException repo = assertThrows(ModelDownloadException.class,
                () -> new ModelDownloader(hub.options()).download("Tongyi-MAI/No-Such-Model", "main", cache,
                        DownloadListener.none(), CancellationToken.none()));
        assertEquals(Reason.ACCESS_DENIED, repo.reason()); // what the Hub answers an anonymous client
        assertMentions(repo, "refused access to Tongyi-MAI/No-Such-Model", "401", "does not exist, is private, or is gated",
                "no token is set", "HF_TOKEN");

        hub.fail("api", 404, "RepoNotFound", 1);
        ModelDownloadException notFound = assertThrows(ModelDownloadException.class, this::download);
        assertEquals(Reason.NOT_FOUND, notFound.reason());
        assertMentions(notFound, "Repository " + REPO + " was not found on " + hub.host(), "404");

        ModelDownloadException revision = assertThrows(ModelDownloadException.class,
                () -> new ModelDownloader(hub.options()).download(REPO, "v9", cache, DownloadListener.none(),
                        CancellationToken.none()));
        assertEquals(Reason.NOT_FOUND, revision.reason());
        assertMentions(revision, REPO + " has no revision \"v9\"", "Invalid rev id: v9");
    }

    @Test
    void aFileThatVanishedOrIsGatedIsNamed() {
        hub.fail(VAE, 404, "EntryNotFound", 1);
        ModelDownloadException gone = assertThrows(ModelDownloadException.class, this::download);
        assertEquals(Reason.NOT_FOUND, gone.reason());
        assertMentions(gone, VAE + " is listed in " + REPO, "has no such file (404");

        FakeHub.deleteTree(cache);
        hub.fail(BIG, 403, "GatedRepo", 1);
        ModelDownloadException gated = assertThrows(ModelDownloadException.class, this::download);
        assertEquals(Reason.ACCESS_DENIED, gated.reason());
        assertMentions(gated, REPO + " is a gated repository", "accept its conditions", "set HF_TOKEN");
    }

    @Test
    void noNetworkIsRefusedWithWhatToDoInstead() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        DownloadOptions offline = hub.options().withEndpoint("http://127.0.0.1:" + closedPort);
        long t0 = System.nanoTime();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> download(offline, DownloadListener.none(), CancellationToken.none()));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "an absent network fails at once");
        assertEquals(Reason.NETWORK, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot reach 127.0.0.1:" + closedPort + ": connection refused"),
                e.getMessage());
        assertMentions(e, "download " + REPO + " on another machine", "point Jimeng Studio at the folder");
        assertFalse(Files.exists(cache), "nothing is written when the Hub cannot be reached");
    }

    @Test
    void aConnectionThatNeverComesBackGivesUpKeepingTheBytes() throws Exception {
        hub.dropAfter(BIG, 500_000, 0, 0, 0);
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> download(hub.options().withParallelFiles(1), DownloadListener.none(), CancellationToken.none()));
        assertEquals(Reason.NETWORK, e.reason());
        assertMentions(e, "Lost the connection to " + hub.host(), BIG, "3 tries", "500 kB of 3.90 MB",
                "run the download again to resume");
        assertEquals(500_000, Files.size(incomplete(BIG)));
    }

    @Test
    void serverErrorsAreRetriedThenReported() throws Exception {
        hub.fail(VAE, 503, "", 2);
        hub.fail("api", 502, "", 1);
        download();
        assertSnapshotMatchesTheRepo();

        FakeHub.deleteTree(cache);
        hub.fail(VAE, 503, "", 3);
        ModelDownloadException e = assertThrows(ModelDownloadException.class, this::download);
        assertEquals(Reason.SERVER, e.reason());
        assertMentions(e, "kept failing while sending " + VAE, "503", "try again later");
    }

    @Test
    void aSilentConnectionCountsAsLost() throws Exception {
        hub.slow(BIG, 60_000);
        DownloadOptions impatient = hub.options().withParallelFiles(1).withRetries(2, Duration.ofMillis(5))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(300));
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> download(impatient, DownloadListener.none(), CancellationToken.none()));
        assertEquals(Reason.NETWORK, e.reason());
        assertMentions(e, "no data for 0 s", BIG);
    }

    @Test
    void tooLittleFreeSpaceIsRefusedBeforeAnyByte() throws Exception {
        long needed = hub.downloadSize();
        Path[] asked = new Path[1];
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> download(
                hub.options().withFreeSpace(folder -> {
                    asked[0] = folder;
                    return needed - 1;
                }), DownloadListener.none(), CancellationToken.none()));
        assertEquals(Reason.DISK_SPACE, e.reason());
        assertMentions(e, "Not enough free space in " + cache, Units.bytes(needed) + " more",
                "only " + Units.bytes(needed - 1) + " are free", "choose another folder");
        assertEquals(0, hub.fileRequests());
        assertEquals(repoDir(), asked[0]);

        // Bytes already on disk count: with a partial shard, that much less is needed.
        Files.createDirectories(incomplete(BIG).getParent());
        Files.write(incomplete(BIG), java.util.Arrays.copyOf(hub.content(BIG), 1_000_000));
        download(hub.options().withFreeSpace(folder -> needed - 1_000_000), DownloadListener.none(),
                CancellationToken.none());
        assertSnapshotMatchesTheRepo();
    }

    @Test
    void aCompleteSnapshotDownloadsNothing() throws Exception {
        download();
        hub.resetCounters();
        Recorder rec = new Recorder();
        DownloadResult r = download(hub.options(), rec, CancellationToken.none());

        assertEquals(1, hub.listings());
        assertEquals(0, hub.fileRequests());
        assertEquals(0, r.bytesTransferred());
        assertEquals(0, r.filesDownloaded());
        assertEquals(rec.plan.files().size(), r.filesPresent());
        assertEquals(0, rec.plan.bytesToDownload());
        assertTrue(rec.plan.describe().endsWith("nothing to download"), rec.plan.describe());
        assertTrue(rec.done.values().stream().allMatch(o -> o == FileOutcome.PRESENT));
        assertTrue(r.describe().startsWith("Already complete"), r.describe());
    }

    @Test
    void aNewRevisionFetchesOnlyWhatChanged() throws Exception {
        download();
        String newCommit = "fedcba9876543210fedcba9876543210fedcba98";
        byte[] newConfig = new String(hub.content("vae/config.json"), StandardCharsets.UTF_8)
                .replace("}", ", \"note\": 1}").getBytes(StandardCharsets.UTF_8);
        hub.publish(newCommit, Map.of("vae/config.json", newConfig));
        hub.resetCounters();
        Recorder rec = new Recorder();

        DownloadResult r = download(hub.options(), rec, CancellationToken.none());

        assertEquals(newConfig.length, hub.bytesServedTotal());
        assertEquals(1, r.filesDownloaded());
        assertEquals(FileOutcome.REUSED, rec.done.get(BIG));
        assertEquals(newCommit, Files.readString(repoDir().resolve("refs/main"), StandardCharsets.UTF_8));
        assertSnapshotMatchesTheRepo();
        ModelLocation loc = new ModelLocator(Map.of(), tmp.resolve("no-home")).locate(cache);
        assertEquals(REPO + "@" + newCommit, loc.identity());
    }

    @Test
    void aSecondDownloaderOfTheSameFileIsToldToWait() throws Exception {
        Path part = incomplete(BIG);
        Files.createDirectories(part.getParent());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock lock = ch.lock()) {
            ModelDownloadException e = assertThrows(ModelDownloadException.class, this::download);
            assertEquals(Reason.BUSY, e.reason());
            assertMentions(e, "Another download is writing " + BIG);
        }
    }

    @Test
    void theDefaultTargetIsTheUsersHuggingFaceCache() {
        Path home = Path.of("/home/someone");
        assertEquals(home.resolve(".cache/huggingface/hub"), ModelDownloader.defaultTarget(Map.of(), home));
        assertEquals(Path.of("/data/hf/hub"), ModelDownloader.defaultTarget(Map.of("HF_HOME", "/data/hf"), home));
        assertEquals(Path.of("/fast/cache"), ModelDownloader.defaultTarget(
                Map.of("HF_HOME", "/data/hf", "HF_HUB_CACHE", "/fast/cache"), home));
    }

    @Test
    void hfEndpointAndTokenComeFromTheEnvironment() {
        DownloadOptions d = DownloadOptions.fromEnvironment(Map.of());
        assertEquals("https://huggingface.co", d.endpoint());
        assertEquals(null, d.token());
        DownloadOptions mirror = DownloadOptions.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.com/",
                "HF_TOKEN", "hf_secret"));
        assertEquals("https://hf-mirror.com", mirror.endpoint());
        assertEquals("hf_secret", mirror.token());
        assertFalse(mirror.toString().contains("hf_secret"));
        assertThrows(IllegalArgumentException.class, () -> d.withEndpoint("ftp://example.org"));
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyRequest() {
        ModelDownloader d = new ModelDownloader(hub.options());
        for (String repo : List.of("Z-Image-Turbo", "../etc/passwd", "a/b/c", "")) {
            assertThrows(IllegalArgumentException.class,
                    () -> d.download(repo, "main", cache, DownloadListener.none(), CancellationToken.none()), repo);
        }
        for (String rev : List.of("", "..", "main/../x", "a b")) {
            assertThrows(IllegalArgumentException.class,
                    () -> d.download(REPO, rev, cache, DownloadListener.none(), CancellationToken.none()), rev);
        }
        assertEquals(0, hub.listings());
    }
}
