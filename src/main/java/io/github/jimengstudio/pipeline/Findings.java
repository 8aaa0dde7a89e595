package io.github.jimengstudio.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What checking one layout found: problems (anything that makes it unusable, all of them, so the user fixes
 * everything in one go) and notes (what was assumed or chosen, for a usable layout).
 */
final class Findings {
    final List<String> problems = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void problem(String sentence) {
        problems.add(sentence);
    }

    void note(String sentence) {
        notes.add(sentence);
    }

    boolean ok() {
        return problems.isEmpty();
    }
}
