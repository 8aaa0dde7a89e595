package io.github.jimengstudio.updatesite;

import java.util.List;
import java.util.Objects;

/**
 * One {@code <plugin>} record of an update site's {@code db.xml.gz}: a file the updater installs, its current
 * version (absent once the file is obsolete, i.e. removed from the site) and the versions it had before. Users
 * who have an older version installed are offered the update because its checksum is listed among the previous
 * versions; a locally modified file is one whose checksum appears nowhere.
 *
 * @param filename install path relative to Fiji.app, with version, e.g. {@code jars/api-0.36.0.jar}
 * @param current the version on offer, or null when the file is obsolete
 * @param previous earlier versions, newest first
 */
public record SiteRecord(String filename, boolean executable, List<String> platforms, List<String> categories,
        Version current, List<PreviousVersion> previous) {

    public SiteRecord {
        Objects.requireNonNull(filename, "filename");
        platforms = List.copyOf(platforms);
        categories = List.copyOf(categories);
        previous = List.copyOf(previous);
    }

    /** The name that identifies this file across versions, e.g. {@code jars/api.jar}. */
    public String unversionedName() {
        return SiteLayout.unversioned(filename);
    }

    /** The newest timestamp this record mentions. */
    public long newestTimestamp() {
        long newest = current == null ? 0 : current.timestamp();
        for (PreviousVersion p : previous) {
            newest = Math.max(newest, p.timestamp());
        }
        return newest;
    }

    /**
     * A {@code <version>}: what is installed when a user updates.
     *
     * @param timestamp {@code yyyyMMddHHmmss}; the file lies on the server as {@code <filename>-<timestamp>}
     * @param checksum {@link UpdaterChecksum} of the file
     * @param filesize bytes of the file as stored on the server; the updater checks it after downloading
     * @param description shown in the updater, or null
     */
    public record Version(long timestamp, String checksum, long filesize, String description,
            List<Dependency> dependencies, List<String> links, List<String> authors) {
        public Version {
            Objects.requireNonNull(checksum, "checksum");
            dependencies = List.copyOf(dependencies);
            links = List.copyOf(links);
            authors = List.copyOf(authors);
        }
    }

    /** Another file this version needs, at the timestamp of that file's version it was built against. */
    public record Dependency(String filename, long timestamp, boolean overrides) {
        public Dependency {
            Objects.requireNonNull(filename, "filename");
        }
    }

    /**
     * A {@code <previous-version>}.
     *
     * @param filename the file name that version had (it changes with the version number), or null for the
     *     record's own name
     * @param timestampObsolete when it stopped being current, or 0 when unknown
     */
    public record PreviousVersion(long timestamp, String checksum, String filename, long timestampObsolete) {
        public PreviousVersion {
            Objects.requireNonNull(checksum, "checksum");
        }
    }
}
