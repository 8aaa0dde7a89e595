package io.github.jimengstudio.pipeline;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets the user stop a generation. The engine checks it between steps and inside long stages; after a cancel the
 * pipeline is immediately usable again.
 */
public final class CancellationToken {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    /** A token nobody cancels. */
    public static CancellationToken none() {
        return new CancellationToken();
    }

    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    /** @throws GenerationCancelledException naming where the work stopped */
    public void throwIfCancelled(String where) {
        if (cancelled.get()) {
            throw new GenerationCancelledException("Generation cancelled " + where + ".");
        }
    }
}
