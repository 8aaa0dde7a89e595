package io.github.jimengstudio.pipeline.download;

/** How a file came to be in the snapshot. */
public enum FileOutcome {
    /** Downloaded from the first byte. */
    DOWNLOADED,
    /** Downloaded from where an earlier, interrupted download stopped. */
    RESUMED,
    /** Already in the snapshot; nothing was transferred. */
    PRESENT,
    /** Its content was already in the cache (another revision, or another tool's download); only linked. */
    REUSED
}
