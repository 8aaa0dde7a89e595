package io.github.jimengstudio.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Default output names never replace a file: {@code jimeng-42.png}, else {@code jimeng-42-1.png}, {@code -2}, ...
 * The name is claimed by creating it (an atomic create, so two runs in one folder never pick the same name) just
 * before the PNG is written over it; an explicit {@code --out} does not come here and replaces as it always did.
 */
final class OutputName {
    /** Enough for any real folder; past it something is wrong (a full folder, a file system refusing names). */
    static final int MAX_SUFFIX = 100_000;

    private OutputName() {}

    /**
     * Creates and returns the first free name among {@code wanted} and {@code wanted} with {@code -1}, {@code -2},
     * ... before {@code .png}; the caller writes the PNG over the (empty) file.
     */
    static Path claim(Path wanted) throws IOException {
        String name = wanted.getFileName().toString();
        String stem = name.substring(0, name.length() - ".png".length());
        for (int i = 0; i <= MAX_SUFFIX; i++) {
            Path candidate = i == 0 ? wanted : wanted.resolveSibling(stem + "-" + i + ".png");
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                // taken: try the next suffix
            }
        }
        throw new IOException("no free name like " + wanted + " (tried up to -" + MAX_SUFFIX + ")");
    }
}
