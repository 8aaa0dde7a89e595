package io.github.jimengstudio.pipeline.download;

import java.nio.file.Path;
import java.util.List;

/**
 * What a download is about to do.
 *
 * @param repo         the repository id
 * @param revision     the revision asked for (e.g. {@code main})
 * @param commit       the commit it resolved to
 * @param snapshot     the snapshot folder that will hold the files
 * @param files        the files to be in the snapshot
 * @param totalBytes   the size of all distinct contents (a content that repeats under two paths is stored once)
 * @param presentBytes how much of that is on disk already (complete files, cached blobs, partial downloads)
 * @param freeBytes    the free space in the target folder, or -1 when it could not be measured
 */
public record DownloadPlan(String repo, String revision, String commit, Path snapshot, List<RepoFile> files,
        long totalBytes, long presentBytes, long freeBytes) {

    public DownloadPlan {
        files = List.copyOf(files);
    }

    /** The bytes still to transfer. */
    public long bytesToDownload() {
        return totalBytes - presentBytes;
    }

    /** One line for a log or status bar. */
    public String describe() {
        return repo + "@" + commit.substring(0, 12) + ": " + files.size() + " files, " + Units.bytes(totalBytes)
                + (presentBytes == 0 ? "" : ", " + Units.bytes(presentBytes) + " already on disk")
                + (bytesToDownload() == 0 ? "; nothing to download" : "; " + Units.bytes(bytesToDownload())
                        + " to download into " + snapshot);
    }
}
