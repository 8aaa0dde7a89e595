package io.github.jimengstudio.pipeline.download;

import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.download.ModelDownloadException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Downloads a Hugging Face model repository into a hub cache, resumably and checked against the Hub's checksums.
 *
 * <p>The target is a hub cache folder, written in huggingface_hub's layout (blobs named by ETag, snapshot links, refs). The
 * default, {@link #defaultTarget()}, is the cache the user's other tools already share ({@code HF_HUB_CACHE},
 * {@code HF_HOME/hub}, {@code ~/.cache/huggingface/hub}): files already downloaded by diffusers or {@code hf
 * download} are reused instead of fetched again, the 33 GB are then on disk once for all tools, and
 * {@link ModelLocator} finds the result without being told where. A folder the user picks (e.g. Fiji's
 * {@code models/}) gets the same layout inside it, which the locator also reads.
 *
 * <p>One download: list the revision (resolving it to a commit, so a branch that moves meanwhile cannot mix
 * versions), count what is on disk already, refuse when the free space is less than what remains, then fetch the
 * missing contents a few at a time, and finally point {@code refs/<revision>} at the
 * complete snapshot. Cancelling, a crash or a lost connection keep every received byte; the next run continues.
 */
public final class ModelDownloader {
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

    private final DownloadOptions options;
    private final HubApi hub;

    /** A downloader for this process's environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}). */
    public ModelDownloader() {
        this(DownloadOptions.defaults());
    }

    public ModelDownloader(DownloadOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.hub = new HubApi(options);
    }

    /** The user's Hugging Face hub cache, as huggingface_hub resolves it. */
    public static Path defaultTarget() {
        return defaultTarget(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The hub cache for the given environment and home folder: the first of {@link ModelLocator#hubCaches}. */
    public static Path defaultTarget(Map<String, String> env, Path home) {
        return ModelLocator.hubCaches(env, home).get(0);
    }

    /**
     * Downloads {@code repo} at {@code revision} into the hub cache folder {@code targetRoot}, or finds it there.
     *
     * @param repo       e.g. {@link ModelLocator#ZIMAGE_REPO}
     * @param revision   a branch, tag or commit, e.g. {@code main}
     * @param targetRoot a hub cache folder; the repository goes to {@code models--<owner>--<name>/} inside it
     * @param listener   hears the plan, the progress and each finished file
     * @param cancel     stops the download soon after it is cancelled (partial files are kept)
     * @return the complete snapshot
     * @throws ModelDownloadException naming what failed and what to do
     * @throws DownloadCancelledException when {@code cancel} was cancelled
     */
    public DownloadResult download(String repo, String revision, Path targetRoot, DownloadListener listener,
            CancellationToken cancel) throws ModelDownloadException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancel, "cancel");
        if (repo == null || !REPO_ID.matcher(repo).matches()) {
            throw new IllegalArgumentException("\"" + repo + "\" is not a repository id such as " + ModelLocator.ZIMAGE_REPO);
        }
        if (revision == null || !REVISION.matcher(revision).matches()) {
            throw new IllegalArgumentException("\"" + revision + "\" is not a revision (a branch, tag or commit)");
        }
        long start = System.nanoTime();
        Path root = targetRoot.toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new ModelDownloadException(Reason.LOCAL_FILES, root + " is a file; choose a folder to download into.");
        }
        AtomicBoolean abort = new AtomicBoolean();
        BooleanSupplier stopped = () -> cancel.isCancelled() || abort.get();

        RepoListing listing;
        try {
            listing = hub.list(repo, revision, stopped);
        } catch (DownloadCancelledException e) {
            throw new DownloadCancelledException("Download of " + repo + " cancelled before it started.");
        }
        HubCacheFolder cache = new HubCacheFolder(root, repo);
        Map<String, List<RepoFile>> byContent = new LinkedHashMap<>();
        List<RepoFile> files = new ArrayList<>();
        for (RepoFile f : listing.files()) {
            if (options.include().test(f.path())) {
                byContent.computeIfAbsent(f.etag(), k -> new ArrayList<>()).add(f);
                files.add(f);
            }
        }
        if (files.isEmpty()) {
            throw new ModelDownloadException(Reason.NOT_FOUND, repo + " at " + revision + " has no files to download.");
        }
        Map<String, Long> present = new HashMap<>();
        long total = 0;
        for (List<RepoFile> same : byContent.values()) {
            RepoFile f = same.get(0);
            total += f.size();
            present.put(f.etag(), onDisk(cache, listing.commit(), same));
        }
        long presentBytes = present.values().stream().mapToLong(Long::longValue).sum();
        long free = freeBytes(cache.repoDir());
        DownloadPlan plan = new DownloadPlan(repo, revision, listing.commit(), cache.snapshot(listing.commit()), files,
                total, presentBytes, free);
        if (free >= 0 && free < plan.bytesToDownload()) {
            throw new ModelDownloadException(Reason.DISK_SPACE, "Not enough free space in " + root + ": " + repo
                    + " needs " + Units.bytes(plan.bytesToDownload()) + " more, but only " + Units.bytes(free)
                    + " are free. Free some space, or choose another folder.");
        }
        listener.planned(plan);

        ProgressMeter meter = new ProgressMeter(listener, total, files.size(), options.progressInterval(), present);
        FileFetcher fetcher = new FileFetcher(hub, cache, options, meter, stopped, repo, listing.commit());
        int[] counts = fetchAll(fetcher, byContent, abort, cancel, meter, plan);
        if (!revision.equals(listing.commit())) {
            try {
                cache.writeRef(revision, listing.commit());
            } catch (IOException e) {
                throw FileFetcher.localError(cache.repoDir().resolve("refs"), e, "");
            }
        }
        return new DownloadResult(plan.snapshot(), listing.commit(), counts[0], counts[1], meter.receivedBytes(), total,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** Bytes of one content already on disk: in the snapshot, as a cached blob, or as a partial download. */
    private static long onDisk(HubCacheFolder cache, String commit, List<RepoFile> same) {
        RepoFile f = same.get(0);
        if (same.stream().allMatch(s -> HubCacheFolder.holds(cache.pointer(commit, s.path()), f.size()))
                || HubCacheFolder.holds(cache.blob(f.etag()), f.size())) {
            return f.size();
        }
        return Math.min(cache.partialBytes(f.etag()), f.size());
    }

    private long freeBytes(Path folder) {
        try {
            return options.freeSpace().usableBytes(folder);
        } catch (IOException e) {
            return -1; // an unmeasurable disk is no reason to refuse; a full one fails when written
        }
    }

    /** Runs the fetches on a few threads; the first failure stops the rest. Returns {downloaded, present} paths. */
    private int[] fetchAll(FileFetcher fetcher, Map<String, List<RepoFile>> byContent, AtomicBoolean abort,
            CancellationToken cancel, ProgressMeter meter, DownloadPlan plan) throws ModelDownloadException {
        List<List<RepoFile>> jobs = new ArrayList<>(byContent.values());
        // Largest first: the long transfers start at once and the small files fill the gaps.
        jobs.sort(Comparator.comparingLong((List<RepoFile> j) -> j.get(0).size()).reversed());
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.parallelFiles(), jobs.size()), r -> {
            Thread t = new Thread(r, "jimeng-download-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int[] counts = new int[2];
        Throwable failure = null;
        boolean interrupted = false;
        boolean stoppedJob = false;
        try {
            CompletionService<FileOutcome> done = new ExecutorCompletionService<>(pool);
            Map<Future<FileOutcome>, Integer> pathsPerJob = new HashMap<>();
            for (List<RepoFile> job : jobs) {
                List<String> paths = job.stream().map(RepoFile::path).toList();
                pathsPerJob.put(done.submit(() -> fetcher.fetch(job.get(0), paths)), paths.size());
            }
            for (int remaining = jobs.size(); remaining > 0; ) {
                Future<FileOutcome> f;
                try {
                    f = done.take();
                } catch (InterruptedException e) { // the caller's thread was interrupted: stop like a cancel
                    interrupted = true;
                    abort.set(true);
                    continue;
                }
                remaining--;
                try {
                    FileOutcome o = f.get();
                    boolean fetched = o == FileOutcome.DOWNLOADED || o == FileOutcome.RESUMED;
                    counts[fetched ? 0 : 1] += pathsPerJob.get(f);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    stoppedJob |= cause instanceof DownloadCancelledException;
                    if (failure == null && !(cause instanceof DownloadCancelledException)) {
                        failure = cause;
                        abort.set(true);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError("a future taken from the completion service is done", e);
                }
            }
        } finally {
            pool.shutdownNow();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        // A job that stopped without a failure to blame is a cancel too: its file is missing, never "done".
        if (cancel.isCancelled() || interrupted || (failure == null && stoppedJob)) {
            throw new DownloadCancelledException("Download of " + plan.repo() + " cancelled: "
                    + Units.bytes(meter.doneBytes()) + " of " + Units.bytes(plan.totalBytes()) + " are on disk in "
                    + plan.snapshot().getParent().getParent() + "; run the download again to continue from there.");
        }
        if (failure instanceof ModelDownloadException m) {
            throw m;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new ModelDownloadException(Reason.LOCAL_FILES, "Download of " + plan.repo() + " failed: " + failure,
                    failure);
        }
        return counts;
    }
}
