package io.github.jimengstudio.vae;

import io.github.jimengstudio.nn.WorkMonitor;
import java.util.ArrayList;
import java.util.List;

/**
 * For the encoder's and the decoder's monitor tests: a {@link WorkMonitor} that records what it is told and, when
 * asked, stops the work by throwing {@link Stop} as the first report starting with a given text arrives.
 */
final class WorkRecorder implements WorkMonitor {
    /** The recorder's own stop, so a test can tell it from any other exception. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    record Event(double fraction, String detail) { }

    final List<Event> seen = new ArrayList<>();
    final Stop stop = new Stop();
    private final String stopAt;

    /** @param stopAt the start of the report to stop at, or null to never stop */
    WorkRecorder(String stopAt) {
        this.stopAt = stopAt;
    }

    @Override
    public void progress(double fraction, String detail) {
        seen.add(new Event(fraction, detail));
        if (stopAt != null && detail.startsWith(stopAt)) {
            throw stop;
        }
    }

    Event last() {
        return seen.get(seen.size() - 1);
    }
}
