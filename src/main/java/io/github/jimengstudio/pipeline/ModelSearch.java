package io.github.jimengstudio.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the model is looked for, by every front end. A folder the user chose (the command line's {@code --model},
 * Fiji's model folder preference) is the only place looked at: the user meant that one, and the error says what it
 * lacks. Otherwise, in order: {@code $JIMENG_MODEL}, the front end's own places (Fiji's {@code models/} folder when
 * running inside Fiji), Fiji's models folder ({@code $FIJI_HOME/models}, then {@code Fiji.app/models} in the home
 * folder and the usual install places), the Hugging Face caches, and the usual ComfyUI folders. Folders named in
 * the error are exactly those looked at.
 */
public final class ModelSearch {
    private final Map<String, String> env;
    private final Path home;
    private final ModelLocator locator;

    /** The search for this user (environment, home folder). */
    public ModelSearch() {
        this(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public ModelSearch(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
        this.locator = new ModelLocator(env, home);
    }

    /**
     * The candidates, most specific first (before the locator appends the caches and ComfyUI folders), with the
     * front end's own places after {@code $JIMENG_MODEL}.
     */
    List<Path> firstPlaces(Path... frontEndPlaces) {
        List<Path> first = new ArrayList<>();
        String named = env.get("JIMENG_MODEL");
        if (named != null && !named.isBlank()) {
            first.add(Path.of(named));
        }
        for (Path p : frontEndPlaces) {
            if (p != null) {
                first.add(p);
            }
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

    /** Every place searched when no folder is chosen, in order. */
    public List<Path> places(Path... frontEndPlaces) {
        return locator.defaultCandidates(firstPlaces(frontEndPlaces).toArray(Path[]::new));
    }

    /** The model in {@code chosen} alone, or (null) the first complete one among {@link #places}. */
    public ModelLocation find(Path chosen, Path... frontEndPlaces) throws ModelNotFoundException {
        return chosen != null ? locator.locate(chosen) : locator.search(places(frontEndPlaces));
    }
}
