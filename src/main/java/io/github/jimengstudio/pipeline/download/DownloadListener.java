package io.github.jimengstudio.pipeline.download;

/**
 * Hears how a download goes. Calls come one at a time but from the download threads, never the caller's; a
 * listener must not block (a UI hands the values to its own thread). An exception thrown here ends the download.
 */
public interface DownloadListener {
    /** What will be downloaded, before the first byte; also when nothing needs to be. */
    default void planned(DownloadPlan plan) {}

    /** Bytes arrived. {@link DownloadProgress#doneBytes()} never decreases. */
    default void progress(DownloadProgress progress) {}

    /** One repository file is complete and verified in the snapshot. */
    default void fileDone(String path, FileOutcome outcome) {}

    /** A listener that ignores everything. */
    static DownloadListener none() {
        return new DownloadListener() {};
    }
}
