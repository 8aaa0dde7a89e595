package io.github.jimengstudio.fiji;

import io.github.jimengstudio.pipeline.CancellationToken;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationCancelledException;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ProgressListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One request waiting for, or running on, {@link JimengService}'s generation thread. Cancel it at any time: a
 * queued job never starts, a running one stops at the next step and the next job runs.
 */
public final class GenerationJob {
    private final long id;
    private final GenerationRequest request;
    private final ProgressListener listener;
    private final CancellationToken token = new CancellationToken();
    private final CompletableFuture<GeneratedImage> result = new CompletableFuture<>();

    GenerationJob(long id, GenerationRequest request, ProgressListener listener) {
        this.id = id;
        this.request = request;
        this.listener = listener;
    }

    /** Numbers jobs in submission order, from 1. */
    public long id() {
        return id;
    }

    /** The request as submitted (its seed may still be unresolved; the record holds the one used). */
    public GenerationRequest request() {
        return request;
    }

    ProgressListener listener() {
        return listener;
    }

    CancellationToken token() {
        return token;
    }

    /** Completes with the image, or exceptionally with the failure or a {@link GenerationCancelledException}. */
    public CompletableFuture<GeneratedImage> result() {
        return result;
    }

    public void cancel() {
        token.cancel();
    }

    public boolean isCancelled() {
        return token.isCancelled();
    }

    /**
     * Waits for the image.
     *
     * @throws GenerationCancelledException when the job was cancelled
     * @throws IOException                  when the model or a LoRA could not be read
     * @throws InterruptedException         when the waiting thread is interrupted (the job is cancelled too)
     */
    public GeneratedImage await() throws IOException, InterruptedException {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static IOException rethrow(Throwable cause) {
        if (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof UncheckedIOException u) {
            return u.getCause();
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IOException(cause);
    }
}
