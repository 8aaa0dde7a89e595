package io.github.jimengstudio.pipeline.download;

import java.time.Duration;
import java.util.Locale;

/** Byte counts and durations as people read them in progress lines and messages. */
final class Units {
    private Units() {}

    /** Decimal units, as the Hub and file managers show sizes: {@code 33.1 GB}, {@code 512 kB}, {@code 17 B}. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    /** {@code 45 s}, {@code 12 min}, {@code 1 h 05 min}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 90) {
            return s + " s";
        }
        long min = (s + 30) / 60;
        return min < 60 ? min + " min" : String.format(Locale.ROOT, "%d h %02d min", min / 60, min % 60);
    }
}
