package io.github.jimengstudio.updatesite;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A jar the site offers in this build.
 *
 * @param source the jar on disk
 * @param filename install path, {@code jars/} plus the jar's file name
 * @param checksum {@link UpdaterChecksum#ofJar}
 * @param filesize bytes of {@code source}
 * @param description shown in Fiji's updater, or null
 * @param authors shown in Fiji's updater
 * @param dependsOn unversioned names ({@code jars/api.jar}) of the other shipped jars it needs, kept sorted
 */
public record ShippedJar(Path source, String filename, String checksum, long filesize, String description,
        List<String> authors, Set<String> dependsOn) {
    public ShippedJar {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(checksum, "checksum");
        authors = List.copyOf(authors);
        dependsOn = Collections.unmodifiableSet(new TreeSet<>(dependsOn));
    }

    public String unversionedName() {
        return SiteLayout.unversioned(filename);
    }
}
