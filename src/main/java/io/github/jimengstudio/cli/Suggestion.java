package io.github.jimengstudio.cli;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean --seed?": the known word closest to a mistyped one, by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbours, the usual typos), when it is close enough to be what was meant.
 */
final class Suggestion {
    private Suggestion() {}

    /** The candidate nearest to {@code typed}, or null when none is within a third of its length (at least 1). */
    static String closest(String typed, Collection<String> candidates) {
        String t = typed.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(t, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance || d == bestDistance && best != null && c.compareTo(best) < 0) {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = Math.max(1, stripDashes(typed).length() / 3);
        return best != null && bestDistance <= allowed ? best : null;
    }

    /** {@code " (did you mean X?)"}, or nothing when nothing is close. */
    static String hint(String typed, Collection<String> candidates) {
        String c = closest(typed, candidates);
        return c == null ? "" : " (did you mean " + c + "?)";
    }

    private static String stripDashes(String s) {
        return s.replaceFirst("^-+", "");
    }

    /** Optimal string alignment distance: Levenshtein plus a swap of two adjacent characters as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
