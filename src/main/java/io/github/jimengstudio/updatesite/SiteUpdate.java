package io.github.jimengstudio.updatesite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The next state of an update site: the records of an existing site (or none) updated for the jars this build
 * ships, as Fiji's uploader would leave them. A jar whose checksum and file name match the current version keeps
 * that version (its timestamp, hence its file on the server, and its size); any other jar becomes a new version
 * at this build's timestamp and the version it replaces becomes a previous version, so users who have it are
 * offered the update; a file the site had but this build no longer ships becomes obsolete (no current version),
 * which makes the updater offer to remove it.
 *
 * @param records every record of the new {@code db.xml.gz}, ordered by file name
 * @param newVersions shipped jars that are new versions: their files must be added to the site
 * @param unchanged shipped jars whose current version is already on the site, with that version's timestamp
 */
public record SiteUpdate(List<SiteRecord> records, List<ShippedJar> newVersions, Map<ShippedJar, Long> unchanged) {

    /**
     * @param previous the existing site's records (empty for a new site)
     * @param shipped the jars this build offers; no two may be versions of the same file
     * @param timestamp this build's timestamp; must be later than every timestamp of a record it changes
     */
    public static SiteUpdate of(List<SiteRecord> previous, List<ShippedJar> shipped, long timestamp) {
        if (!SiteLayout.isTimestamp(timestamp)) {
            throw new IllegalArgumentException(timestamp + " is not a timestamp of the form yyyyMMddHHmmss");
        }
        Map<String, SiteRecord> old = new TreeMap<>();
        for (SiteRecord r : previous) {
            SiteRecord clash = old.put(r.unversionedName(), r);
            if (clash != null) {
                throw new IllegalArgumentException("The existing site has two records for " + r.unversionedName()
                        + " (" + clash.filename() + " and " + r.filename() + "); merge them by hand first.");
            }
        }
        Map<String, ShippedJar> jars = new TreeMap<>();
        for (ShippedJar j : shipped) {
            ShippedJar clash = jars.put(j.unversionedName(), j);
            if (clash != null) {
                throw new IllegalArgumentException("Two jars to ship are versions of one file: " + clash.filename()
                        + " and " + j.filename() + "; ship only one.");
            }
        }

        // First the versions (timestamps), then the dependencies, which point at their targets' timestamps.
        Map<String, SiteRecord.Version> versions = new LinkedHashMap<>();
        Map<String, List<SiteRecord.PreviousVersion>> histories = new TreeMap<>();
        List<ShippedJar> newVersions = new ArrayList<>();
        Map<ShippedJar, Long> unchanged = new LinkedHashMap<>();
        for (ShippedJar j : jars.values()) {
            SiteRecord r = old.get(j.unversionedName());
            SiteRecord.Version current = r == null ? null : r.current();
            List<SiteRecord.PreviousVersion> history = new ArrayList<>();
            long versionTime;
            long size;
            if (current != null && current.checksum().equals(j.checksum()) && r.filename().equals(j.filename())) {
                versionTime = current.timestamp();
                size = current.filesize(); // the bytes on the server stay what users download
                unchanged.put(j, versionTime);
            } else {
                requireLater(timestamp, r);
                if (current != null) {
                    history.add(new SiteRecord.PreviousVersion(current.timestamp(), current.checksum(),
                            r.filename(), timestamp));
                }
                versionTime = timestamp;
                size = j.filesize();
                newVersions.add(j);
            }
            if (r != null) {
                appendMissing(history, r.previous());
            }
            versions.put(j.unversionedName(), new SiteRecord.Version(versionTime, j.checksum(), size,
                    j.description(), List.of(), List.of(), j.authors()));
            histories.put(j.unversionedName(), history);
        }

        List<SiteRecord> records = new ArrayList<>();
        for (ShippedJar j : jars.values()) {
            List<SiteRecord.Dependency> deps = new ArrayList<>();
            for (String target : j.dependsOn()) {
                ShippedJar dep = jars.get(target);
                if (dep == null || dep == j) {
                    throw new IllegalArgumentException(j.filename() + " is said to depend on " + target
                            + ", which is not another jar of this site");
                }
                deps.add(new SiteRecord.Dependency(dep.filename(), versions.get(target).timestamp(), false));
            }
            SiteRecord.Version v = versions.get(j.unversionedName());
            SiteRecord.Version withDeps = new SiteRecord.Version(v.timestamp(), v.checksum(), v.filesize(),
                    v.description(), deps, v.links(), v.authors());
            records.add(new SiteRecord(j.filename(), false, List.of(), List.of(), withDeps,
                    histories.get(j.unversionedName())));
        }
        for (SiteRecord r : old.values()) {
            if (jars.containsKey(r.unversionedName())) {
                continue;
            }
            if (r.current() == null) {
                records.add(r); // already obsolete
                continue;
            }
            requireLater(timestamp, r);
            List<SiteRecord.PreviousVersion> history = new ArrayList<>();
            history.add(new SiteRecord.PreviousVersion(r.current().timestamp(), r.current().checksum(),
                    r.filename(), timestamp));
            appendMissing(history, r.previous());
            records.add(new SiteRecord(r.filename(), r.executable(), r.platforms(), r.categories(), null, history));
        }
        records.sort(Comparator.comparing(SiteRecord::filename));
        return new SiteUpdate(List.copyOf(records), List.copyOf(newVersions), Collections.unmodifiableMap(unchanged));
    }

    private static void requireLater(long timestamp, SiteRecord r) {
        if (r != null && r.newestTimestamp() >= timestamp) {
            throw new IllegalArgumentException("The existing site already has a version of " + r.filename()
                    + " at " + r.newestTimestamp() + ", not earlier than this build's timestamp " + timestamp
                    + ". Is the clock behind? A new version needs a later timestamp, or its file on the server"
                    + " could replace an old one.");
        }
    }

    private static void appendMissing(List<SiteRecord.PreviousVersion> into, List<SiteRecord.PreviousVersion> from) {
        for (SiteRecord.PreviousVersion p : from) {
            boolean known = into.stream()
                    .anyMatch(q -> q.timestamp() == p.timestamp() && q.checksum().equals(p.checksum()));
            if (!known) {
                into.add(p);
            }
        }
    }
}
