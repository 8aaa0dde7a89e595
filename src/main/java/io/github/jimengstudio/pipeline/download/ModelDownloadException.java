package io.github.jimengstudio.pipeline.download;

import java.io.IOException;
import java.util.Objects;

/**
 * A download that could not finish. The message names the problem and what to do about it; {@link #reason()} gives
 * the kind for code that reacts differently (e.g. the Fiji panel offering "choose another folder" on
 * {@link Reason#DISK_SPACE}). Bytes received before the failure stay on disk, so running the download again resumes.
 */
public final class ModelDownloadException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The Hub cannot be reached, or the connection was lost and did not come back. */
        NETWORK,
        /** The Hub kept answering with a server error (5xx, 429, 408). */
        SERVER,
        /** The repository, revision or one of its files does not exist. */
        NOT_FOUND,
        /** The Hub refused access (401/403, gated or private repository). */
        ACCESS_DENIED,
        /** Not enough free space in the target folder. */
        DISK_SPACE,
        /** Reading or writing the target folder failed for another reason (permissions, a file in the way). */
        LOCAL_FILES,
        /** A downloaded file's content does not match the checksum the Hub published for it. */
        CHECKSUM,
        /** The server answered something a Hub never answers (bad listing, wrong range, wrong size). */
        PROTOCOL,
        /** Another download is writing the same file right now. */
        BUSY
    }

    private final Reason reason;

    public ModelDownloadException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ModelDownloadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
