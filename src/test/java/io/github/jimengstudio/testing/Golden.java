package io.github.jimengstudio.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared golden data ({@code ../shared/golden} beside the project root). A missing golden file
 * fails the test that asked for it: no golden comparison is ever skipped.
 */
public final class Golden {
    private Golden() {}

    /** The {@code shared/} folder: the {@code jimeng.shared} system property (set by the build), else ../shared. */
    public static Path shared() {
        String prop = System.getProperty("jimeng.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** A file or folder under {@code shared/golden}; throws if it does not exist. */
    public static Path file(String relative) {
        Path p = shared().resolve("golden").resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("Golden data missing: " + p + " (the tests need ../shared beside the project)");
        }
        return p;
    }
}
