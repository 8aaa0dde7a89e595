package io.github.jimengstudio.pipeline.download;

import io.github.jimengstudio.pipeline.download.ModelDownloadException.Reason;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings one content of a snapshot onto disk: finds it already there, links it from a blob the cache has, or
 * downloads it into {@code blobs/<etag>.incomplete}, resuming from that file's length with a range request,
 * hashing as the bytes arrive, and moves it to {@code blobs/<etag>} only when the hash matches.
 */
final class FileFetcher {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int HASH_CHUNK = 1 << 20;

    private final HubApi hub;
    private final HubCacheFolder cache;
    private final DownloadOptions options;
    private final ProgressMeter meter;
    private final BooleanSupplier stopped;
    private final String repo;
    private final String commit;

    FileFetcher(HubApi hub, HubCacheFolder cache, DownloadOptions options, ProgressMeter meter,
            BooleanSupplier stopped, String repo, String commit) {
        this.hub = hub;
        this.cache = cache;
        this.options = options;
        this.meter = meter;
        this.stopped = stopped;
        this.repo = repo;
        this.commit = commit;
    }

    /** Puts {@code file}'s content at every one of {@code paths} (paths with the same content share one blob). */
    FileOutcome fetch(RepoFile file, List<String> paths) throws ModelDownloadException {
        List<Path> missing = new ArrayList<>();
        for (String p : paths) {
            Path pointer = cache.pointer(commit, p);
            if (!HubCacheFolder.holds(pointer, file.size())) {
                missing.add(pointer);
            }
        }
        FileOutcome outcome;
        Path blob = cache.blob(file.etag());
        try {
            if (missing.isEmpty()) {
                outcome = FileOutcome.PRESENT;
            } else if (HubCacheFolder.holds(blob, file.size())) {
                cache.place(blob, missing, false);
                outcome = FileOutcome.REUSED;
            } else {
                outcome = download(file, blob);
                cache.place(blob, missing, true);
            }
        } catch (IOException e) {
            throw localError(blob, e, "");
        }
        meter.finished(file, paths, outcome);
        return outcome;
    }

    private FileOutcome download(RepoFile file, Path blob) throws IOException {
        Path part = cache.incomplete(file.etag());
        Files.createDirectories(part.getParent());
        boolean resumed;
        String actual;
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            lock(ch, part, file);
            Partial p = new Partial(file, part, ch);
            resumed = p.have > 0;
            transfer(file, p);
            actual = HexFormat.of().formatHex(p.digest.digest());
            if (actual.equals(file.etag())) {
                ch.force(true);
            }
        }
        if (!actual.equals(file.etag())) {
            Files.deleteIfExists(part);
            throw new ModelDownloadException(Reason.CHECKSUM, file.path() + " is damaged: its " + file.checksumName()
                    + " is " + actual + ", but the Hub lists " + file.etag() + ". The damaged download was deleted; "
                    + "run the download again (if this repeats, a proxy may be altering the file).");
        }
        Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return resumed ? FileOutcome.RESUMED : FileOutcome.DOWNLOADED;
    }

    /** One downloader per partial file, also across processes (a second Fiji on the same cache). */
    private static void lock(FileChannel ch, Path part, RepoFile file) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new ModelDownloadException(Reason.BUSY, "Another download is writing " + file.path() + " (" + part
                    + ") right now, in this or another program; let it finish, or stop it and run this again.");
        }
    }

    /** The partial file, its length and the hash of its bytes so far. */
    private final class Partial {
        final RepoFile file;
        final Path path;
        final FileChannel ch;
        MessageDigest digest;
        long have;

        Partial(RepoFile file, Path path, FileChannel ch) throws IOException {
            this.file = file;
            this.path = path;
            this.ch = ch;
            this.digest = file.newDigest();
            this.have = ch.size();
            if (have > file.size()) { // not this content: start over
                restart();
            }
            ByteBuffer buf = ByteBuffer.allocate(HASH_CHUNK);
            for (long pos = 0; pos < have; ) {
                if (stopped.getAsBoolean()) {
                    throw new DownloadCancelledException("Download stopped.");
                }
                buf.clear().limit((int) Math.min(HASH_CHUNK, have - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("the partial file shrank while being read");
                }
                digest.update(buf.flip());
                pos += n;
            }
        }

        void restart() throws IOException {
            ch.truncate(0);
            have = 0;
            digest = file.newDigest();
        }

        void append(ByteBuffer b) throws ModelDownloadException {
            if (have + b.remaining() > file.size()) {
                throw new ModelDownloadException(Reason.PROTOCOL, "The server sent more than the "
                        + file.size() + " bytes listed for " + file.path() + "; the partial file " + path
                        + " was kept; run the download again.");
            }
            digest.update(b.duplicate());
            try {
                while (b.hasRemaining()) {
                    have += ch.write(b, have);
                }
            } catch (IOException e) {
                throw localError(path, e, " The " + Units.bytes(have) + " received so far are kept.");
            }
        }
    }

    /** Transfers until the file is complete, retrying lost connections and server errors. */
    private void transfer(RepoFile file, Partial p) throws IOException {
        int failures = 0;
        while (p.have < file.size()) {
            if (stopped.getAsBoolean()) {
                throw new DownloadCancelledException("Download stopped.");
            }
            long before = p.have;
            try {
                attempt(file, p);
            } catch (NetworkFailure e) {
                failures = p.have > before ? 1 : failures + 1;
                if (failures >= options.maxAttempts()) {
                    throw gaveUp(file, p, e, failures);
                }
                hub.pause(failures, stopped);
            }
        }
    }

    private void attempt(RepoFile file, Partial p) throws IOException, NetworkFailure {
        HubApi.Answer a = hub.open(hub.fileUri(repo, commit, file.path()), p.have, stopped);
        try {
            checkHubHeaders(file, a);
            if (a.status() == 200) {
                if (p.have > 0) { // the server ignored the range: take the file from the start
                    p.restart();
                }
                OptionalLong length = a.headers().firstValueAsLong("Content-Length");
                if (length.isPresent() && length.getAsLong() != file.size()) {
                    throw protocol(file, "sends " + length.getAsLong() + " bytes");
                }
            } else if (a.status() == 206) {
                String range = a.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range);
                if (!m.matches() || Long.parseLong(m.group(1)) != p.have
                        || (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != file.size())) {
                    throw protocol(file, "answers the request for bytes " + p.have + "- with range \"" + range
                            + "\"");
                }
            } else {
                throw hub.statusError(a, repo, commit, file.path());
            }
            for (List<ByteBuffer> batch; (batch = a.body().next(options.idleTimeout(), stopped)) != null; ) {
                long before = p.have;
                for (ByteBuffer b : batch) {
                    p.append(b);
                }
                meter.received(file, p.have, p.have - before);
            }
            if (p.have < file.size()) {
                throw new NetworkFailure("the connection closed after " + p.have + " of " + file.size() + " bytes",
                        null);
            }
        } finally {
            a.body().discard();
        }
    }

    /** The Hub's own answer must agree with the listing: same commit, same content hash, same size. */
    private void checkHubHeaders(RepoFile file, HubApi.Answer a) throws ModelDownloadException {
        HttpHeaders h = a.hubHeaders();
        String servedCommit = h.firstValue("X-Repo-Commit").orElse(commit);
        if (!servedCommit.equals(commit)) {
            throw protocol(file, "serves it from commit " + servedCommit + ", not the listed " + commit);
        }
        String etag = h.firstValue("X-Linked-Etag").orElse(a.redirected() ? null : h.firstValue("ETag").orElse(null));
        if (etag != null) {
            etag = etag.replaceFirst("^W/", "").replace("\"", "");
            boolean hash = RepoFile.SHA256_HEX.matcher(etag).matches() || RepoFile.SHA1_HEX.matcher(etag).matches();
            if (hash && !etag.equals(file.etag())) {
                throw protocol(file, "names its content " + etag + ", the listing " + file.etag());
            }
        }
        OptionalLong size = h.firstValueAsLong("X-Linked-Size");
        if (size.isPresent() && size.getAsLong() != file.size()) {
            throw protocol(file, "gives its size as " + size.getAsLong() + ", the listing " + file.size());
        }
    }

    private ModelDownloadException protocol(RepoFile file, String what) {
        return new ModelDownloadException(Reason.PROTOCOL, options.host() + " " + what + " for " + file.path()
                + " of " + repo + "; run the download again (is HF_ENDPOINT a faithful mirror?).");
    }

    private ModelDownloadException gaveUp(RepoFile file, Partial p, NetworkFailure e, int tries) {
        String kept = "the " + Units.bytes(p.have) + " of " + Units.bytes(file.size()) + " received are kept in "
                + p.path + "; run the download again to resume";
        if (e.status() != 0) {
            return new ModelDownloadException(Reason.SERVER, options.host() + " kept failing while sending "
                    + file.path() + " (" + tries + " tries, last: " + e.getMessage() + "); try again later: "
                    + kept + ".", e);
        }
        return new ModelDownloadException(Reason.NETWORK, "Lost the connection to " + options.host()
                + " while downloading " + file.path() + " (" + tries + " tries, last: " + e.getMessage() + "); "
                + kept + ", or download " + repo + " on another machine (hf download " + repo + ") and point "
                + "Jimeng Studio at the folder.", e);
    }

    static ModelDownloadException localError(Path path, IOException e, String kept) {
        if (e instanceof ModelDownloadException m) {
            return m;
        }
        String msg = String.valueOf(e.getMessage());
        boolean full = msg.contains("No space left") || msg.contains("not enough space")
                || msg.contains("Disk quota exceeded");
        return new ModelDownloadException(full ? Reason.DISK_SPACE : Reason.LOCAL_FILES, "Writing " + path
                + " failed: " + e.getClass().getSimpleName() + ": " + msg + "." + kept + (full
                        ? " Free some space, or choose another folder, and run the download again."
                        : " Check that the folder is writable, and run the download again."), e);
    }
}
