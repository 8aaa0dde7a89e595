package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.CancellationToken;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What Ctrl+C means for one {@code generate}: cancel the generation, wait for the run to end (the current step
 * frees its native memory; an image being written is finished), and then end with the run's own status. Without
 * that, an image whose rename was under way when the key was pressed was written but reported as cancelled (130).
 */
final class Interruption {
    private final CancellationToken cancel;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile int status = JimengCli.CANCELLED;

    Interruption(CancellationToken cancel) {
        this.cancel = cancel;
    }

    /** Called by the run, last, with the status it ends with. */
    void finished(int runStatus) {
        status = runStatus;
        ended.countDown();
    }

    /**
     * Called from the shutdown hook: cancels and waits up to {@code timeout} for the run to end. Returns the status
     * the process should end with: the run's when it ended ({@link JimengCli#OK} when its image was written),
     * {@link JimengCli#CANCELLED} when it did not end in time.
     */
    int interrupted(long timeout, TimeUnit unit) {
        cancel.cancel();
        try {
            if (!ended.await(timeout, unit)) {
                return JimengCli.CANCELLED;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JimengCli.CANCELLED;
        }
        return status == JimengCli.OK ? JimengCli.OK : JimengCli.CANCELLED;
    }
}
