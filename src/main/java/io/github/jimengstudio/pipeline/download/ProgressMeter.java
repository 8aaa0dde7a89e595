package io.github.jimengstudio.pipeline.download;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Adds up the download threads' bytes and reports them to the listener, one call at a time, no more often than the
 * interval asks. Counts never go back: when a server ignores a range request and a file starts over, its count
 * waits until the new bytes pass the old ones. The rate is measured over the last few seconds, so the time left
 * follows a changing line speed.
 */
final class ProgressMeter {
    private static final long WINDOW_NANOS = Duration.ofSeconds(5).toNanos();
    private static final long SAMPLE_NANOS = Duration.ofMillis(100).toNanos();

    private final DownloadListener listener;
    private final long totalBytes;
    private final int fileCount;
    private final long intervalNanos;
    /** Bytes counted per content (by ETag). */
    private final Map<String, Long> counted = new HashMap<>();
    /** (time, bytes received) pairs within the rate window, oldest first. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private long done;
    private long received;
    private int filesDone;
    private long lastEmit;

    /** @param present bytes on disk before the start, by ETag */
    ProgressMeter(DownloadListener listener, long totalBytes, int fileCount, Duration interval,
            Map<String, Long> present) {
        this.listener = listener;
        this.totalBytes = totalBytes;
        this.fileCount = fileCount;
        this.intervalNanos = interval.toNanos();
        counted.putAll(present);
        done = present.values().stream().mapToLong(Long::longValue).sum();
        long now = System.nanoTime();
        samples.add(new long[] {now, 0});
        lastEmit = now - intervalNanos;
    }

    /** {@code newBytes} arrived for {@code file}, which now has {@code fileBytes} on disk. */
    synchronized void received(RepoFile file, long fileBytes, long newBytes) {
        received += newBytes;
        long shown = count(file, fileBytes);
        long now = System.nanoTime();
        if (now - samples.peekLast()[0] >= SAMPLE_NANOS) {
            samples.addLast(new long[] {now, received});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_NANOS) {
                samples.removeFirst();
            }
        }
        if (shown == file.size() || now - lastEmit >= intervalNanos) {
            emit(file, shown, now);
        }
    }

    /** {@code file}'s content is complete under {@code paths}. */
    synchronized void finished(RepoFile file, List<String> paths, FileOutcome outcome) {
        long shown = count(file, file.size());
        filesDone += paths.size();
        emit(file, shown, System.nanoTime());
        for (String p : paths) {
            listener.fileDone(p, outcome);
        }
    }

    synchronized long receivedBytes() {
        return received;
    }

    synchronized long doneBytes() {
        return done;
    }

    private long count(RepoFile file, long fileBytes) {
        long before = counted.getOrDefault(file.etag(), 0L);
        if (fileBytes <= before) {
            return before;
        }
        done += fileBytes - before;
        counted.put(file.etag(), fileBytes);
        return fileBytes;
    }

    private void emit(RepoFile file, long fileBytes, long now) {
        lastEmit = now;
        long[] oldest = samples.peekFirst();
        double seconds = (now - oldest[0]) / 1e9;
        double rate = seconds > 0 ? (received - oldest[1]) / seconds : 0;
        Optional<Duration> eta = rate > 0 ? Optional.of(Duration.ofMillis((long) ((totalBytes - done) / rate * 1000)))
                : done >= totalBytes ? Optional.of(Duration.ZERO) : Optional.empty();
        listener.progress(new DownloadProgress(file.path(), fileBytes, file.size(), done, totalBytes, filesDone,
                fileCount, rate, eta));
    }
}
