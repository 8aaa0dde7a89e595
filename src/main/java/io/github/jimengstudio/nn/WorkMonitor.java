package io.github.jimengstudio.nn;

/**
 * What a long forward pass (the VAE decode, the text encoder) tells its caller at each safe point between layers or
 * tiles: how far it is, as a fraction of the whole, and a few words on where ({@code "tile 3/9"}). The caller may
 * stop the work by throwing a {@link RuntimeException} from {@link #progress}; the network then frees every
 * temporary of the pass on the way out (they live in scopes) and stays usable.
 *
 * <p>It lives here, below the networks and above nothing but plain Java, so that {@code vae/} and
 * {@code textenc/} can take it without knowing the pipeline's cancellation token or progress listener, which the
 * pipeline adapts to it.
 */
@FunctionalInterface
public interface WorkMonitor {

    /** Ignores everything and never stops the work. */
    WorkMonitor NONE = (fraction, detail) -> { };

    /**
     * Called on the working thread at each safe point; must return quickly. Fractions of one pass never decrease,
     * and the last call of a completed pass reports exactly 1.
     *
     * @param fraction of the work done, 0 to 1
     * @param detail   where the work is, e.g. {@code "up block 2/4"}; never null, may be empty
     */
    void progress(double fraction, String detail);

    /**
     * A monitor for the part {@code [from, to]} of this work: its fractions are mapped into that range (its 1 is
     * exactly {@code to}) and its details are prefixed by {@code label} (none when empty).
     */
    default WorkMonitor part(double from, double to, String label) {
        if (!(0 <= from && from <= to && to <= 1)) {
            throw new IllegalArgumentException("a part of the work must lie in [0, 1]; got [" + from + ", " + to
                    + "]");
        }
        return (fraction, detail) -> progress(fraction >= 1 ? to : Math.min(to, from + (to - from) * fraction),
                label.isEmpty() ? detail : detail.isEmpty() ? label : label + ", " + detail);
    }
}
