package io.github.jimengstudio.pipeline.download;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A finished download.
 *
 * @param snapshot         the complete snapshot folder (give it, or the cache folder, to the model locator)
 * @param commit           the commit it holds
 * @param filesDownloaded  files transferred now, wholly or from where an earlier attempt stopped
 * @param filesPresent     files that were there already, or whose content was in the cache
 * @param bytesTransferred bytes received over the network in this run
 * @param totalBytes       the size of the snapshot's distinct contents
 * @param elapsed          the wall time of this run
 */
public record DownloadResult(Path snapshot, String commit, int filesDownloaded, int filesPresent,
        long bytesTransferred, long totalBytes, Duration elapsed) {

    /** One line for a log. */
    public String describe() {
        return filesDownloaded == 0 ? "Already complete: " + snapshot + " (" + Units.bytes(totalBytes) + ")"
                : "Downloaded " + filesDownloaded + " files (" + Units.bytes(bytesTransferred) + " in "
                        + Units.duration(elapsed) + ")" + (filesPresent == 0 ? "" : ", " + filesPresent
                        + " were present") + "; the model is in " + snapshot;
    }
}
