package io.github.jimengstudio.vae;

import io.github.jimengstudio.nn.WorkMonitor;

/**
 * Turns "this layer is done" into a fraction of one decoder pass for a {@link WorkMonitor}, weighting each layer by
 * its multiply-adds: at 1024×1024 the three full-resolution resnets of the last up block are half the work, so
 * counting layers alike would make the bar race and then stall. Costs are whole numbers, so the last layer reports
 * exactly 1.
 */
final class LayerProgress {
    /** Reports nowhere (for calling a block on its own). */
    static final LayerProgress NONE = new LayerProgress(WorkMonitor.NONE, Long.MAX_VALUE);

    private final WorkMonitor monitor;
    private final long total;
    private long done;

    /** @param total the pass's multiply-adds, the sum of every cost later passed to {@link #done} */
    LayerProgress(WorkMonitor monitor, long total) {
        this.monitor = monitor;
        this.total = total;
    }

    /** A layer of {@code cost} multiply-adds is done; the monitor may stop the pass here by throwing. */
    void done(long cost, String detail) {
        done += cost;
        monitor.progress(done >= total ? 1.0 : (double) done / total, detail);
    }
}
