package io.github.jimengstudio.pipeline.download;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A progress report.
 *
 * @param file           the repository path that just advanced
 * @param fileBytes      how much of it is on disk
 * @param fileSize       its size
 * @param doneBytes      how much of the whole download is on disk (including what was there before it started)
 * @param totalBytes     the whole download's size
 * @param filesDone      complete files so far
 * @param fileCount      all files
 * @param bytesPerSecond the transfer rate over the last few seconds
 * @param eta            the time left at that rate; empty until a rate is known
 */
public record DownloadProgress(String file, long fileBytes, long fileSize, long doneBytes, long totalBytes,
        int filesDone, int fileCount, double bytesPerSecond, Optional<Duration> eta) {

    /** The whole download's completed fraction, 0..1. */
    public double fraction() {
        return totalBytes == 0 ? 1 : (double) doneBytes / totalBytes;
    }

    /**
     * One line for a console or status bar, e.g. {@code 41% 13.6 GB / 33.1 GB, 95.2 MB/s, 3 min left, 4/17 files
     * (transformer/diffusion_pytorch_model-00002-of-00003.safetensors 2.10 GB / 9.97 GB)}.
     */
    public String describe() {
        return String.format(Locale.ROOT, "%.0f%% %s / %s, %s/s, %s, %d/%d files (%s %s / %s)", 100 * fraction(),
                Units.bytes(doneBytes), Units.bytes(totalBytes), Units.bytes((long) bytesPerSecond),
                eta.map(d -> Units.duration(d) + " left").orElse("time left unknown"), filesDone, fileCount, file,
                Units.bytes(fileBytes), Units.bytes(fileSize));
    }
}
