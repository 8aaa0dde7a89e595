package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.ModelNotFoundException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the command line looks for the model. A folder given with {@code --model} is the only place looked at (the
 * user meant that one; the error says what it lacks). Otherwise, in order: {@code $JIMENG_MODEL}, Fiji's models
 * folder ({@code $FIJI_HOME/models}, then {@code Fiji.app/models} in the home folder and the usual install places),
 * the Hugging Face caches, and the usual ComfyUI folders. Folders named in the error are exactly those looked at.
 */
final class ModelSearch {
    private final Map<String, String> env;
    private final Path home;
    private final ModelLocator locator;

    ModelSearch(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
        this.locator = new ModelLocator(env, home);
    }

    /** The candidates, most specific first (before the locator appends the caches and ComfyUI folders). */
    List<Path> firstPlaces() {
        List<Path> first = new ArrayList<>();
        String named = env.get("JIMENG_MODEL");
        if (named != null && !named.isBlank()) {
            first.add(Path.of(named));
        }
        String fiji = env.get("FIJI_HOME");
        if (fiji != null && !fiji.isBlank()) {
            first.add(Path.of(fiji).resolve("models"));
        }
        first.add(home.resolve("Fiji.app/models"));
        first.add(home.resolve("Applications/Fiji.app/models"));
        first.add(Path.of("/Applications/Fiji.app/models"));
        first.add(Path.of("/opt/Fiji.app/models"));
        return first;
    }

    /** Every place searched when no folder is given, in order. */
    List<Path> places() {
        return locator.defaultCandidates(firstPlaces().toArray(Path[]::new));
    }

    ModelLocation find(Path given) throws ModelNotFoundException {
        return given != null ? locator.locate(given) : locator.search(places());
    }
}
