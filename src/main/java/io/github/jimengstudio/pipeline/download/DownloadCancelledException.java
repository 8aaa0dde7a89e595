package io.github.jimengstudio.pipeline.download;

import io.github.jimengstudio.pipeline.GenerationCancelledException;

/**
 * The user cancelled a download; not an error. Partly downloaded files are kept, so the next download of the same
 * repository continues where this one stopped. A subtype of the pipeline's cancellation, so front ends treat both
 * alike.
 */
public final class DownloadCancelledException extends GenerationCancelledException {
    private static final long serialVersionUID = 1L;

    public DownloadCancelledException(String message) {
        super(message);
    }
}
