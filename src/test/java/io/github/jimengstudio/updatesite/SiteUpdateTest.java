package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SiteUpdateTest {
    private static final long T1 = 20260101100000L;
    private static final long T2 = 20260202100000L;
    private static final long T3 = 20260303100000L;

    private static ShippedJar jar(String filename, String checksum, long size, String... dependsOn) {
        return new ShippedJar(Path.of(filename), filename, checksum, size, "about " + filename,
                List.of("author"), Set.of(dependsOn));
    }

    private static SiteRecord record(List<SiteRecord> records, String filename) {
        return records.stream().filter(r -> r.filename().equals(filename)).findFirst()
                .orElseThrow(() -> new AssertionError(filename + " not in " + records));
    }

    @Test
    void aNewSiteOffersEveryJarAtTheBuildTimestampWithDependenciesBetweenThem() {
        SiteUpdate u = SiteUpdate.of(List.of(), List.of(
                jar("jars/plugin-0.1.0.jar", "p1", 100, "jars/api.jar", "jars/engine.jar"),
                jar("jars/engine-0.36.0.jar", "e1", 20, "jars/api.jar"),
                jar("jars/api-0.36.0.jar", "a1", 30)), T1);
        assertEquals(List.of("jars/api-0.36.0.jar", "jars/engine-0.36.0.jar", "jars/plugin-0.1.0.jar"),
                u.records().stream().map(SiteRecord::filename).toList());
        assertEquals(3, u.newVersions().size());
        assertEquals(Map.of(), u.unchanged());
        SiteRecord plugin = record(u.records(), "jars/plugin-0.1.0.jar");
        assertEquals(new SiteRecord.Version(T1, "p1", 100, "about jars/plugin-0.1.0.jar",
                List.of(new SiteRecord.Dependency("jars/api-0.36.0.jar", T1, false),
                        new SiteRecord.Dependency("jars/engine-0.36.0.jar", T1, false)),
                List.of(), List.of("author")), plugin.current());
        assertEquals(List.of(), plugin.previous());
    }

    @Test
    void onRebuildAChangedJarGetsANewVersionAndItsOldOneBecomesAPreviousVersion() {
        SiteUpdate first = SiteUpdate.of(List.of(), List.of(
                jar("jars/plugin-0.1.0.jar", "p1", 100, "jars/api.jar"), jar("jars/api-0.36.0.jar", "a1", 30)), T1);
        SiteUpdate second = SiteUpdate.of(first.records(), List.of(
                jar("jars/plugin-0.1.0.jar", "p2", 110, "jars/api.jar"), jar("jars/api-0.36.0.jar", "a1", 31)), T2);

        SiteRecord plugin = record(second.records(), "jars/plugin-0.1.0.jar");
        assertEquals(T2, plugin.current().timestamp());
        assertEquals("p2", plugin.current().checksum());
        assertEquals(110, plugin.current().filesize());
        assertEquals(List.of(new SiteRecord.PreviousVersion(T1, "p1", "jars/plugin-0.1.0.jar", T2)),
                plugin.previous());

        // api's checksum is unchanged: it keeps its version, its server file and that file's size.
        SiteRecord api = record(second.records(), "jars/api-0.36.0.jar");
        assertEquals(T1, api.current().timestamp());
        assertEquals(30, api.current().filesize());
        assertEquals(List.of(), api.previous());
        assertEquals(List.of(new SiteRecord.Dependency("jars/api-0.36.0.jar", T1, false)),
                plugin.current().dependencies());
        assertEquals(List.of("jars/plugin-0.1.0.jar"),
                second.newVersions().stream().map(ShippedJar::filename).toList());
        assertEquals(List.of(T1), List.copyOf(second.unchanged().values()));

        // A third build keeps the whole history, newest first.
        SiteUpdate third = SiteUpdate.of(second.records(), List.of(
                jar("jars/plugin-0.2.0.jar", "p3", 120, "jars/api.jar"), jar("jars/api-0.36.0.jar", "a1", 30)), T3);
        SiteRecord plugin3 = record(third.records(), "jars/plugin-0.2.0.jar");
        assertEquals(List.of(new SiteRecord.PreviousVersion(T2, "p2", "jars/plugin-0.1.0.jar", T3),
                new SiteRecord.PreviousVersion(T1, "p1", "jars/plugin-0.1.0.jar", T2)), plugin3.previous());
    }

    @Test
    void aNewFileNameWithTheSameContentIsStillANewVersionUnderTheNewName() {
        SiteUpdate first = SiteUpdate.of(List.of(), List.of(jar("jars/api-0.35.0.jar", "a1", 30)), T1);
        SiteUpdate second = SiteUpdate.of(first.records(), List.of(jar("jars/api-0.36.0.jar", "a1", 30)), T2);
        SiteRecord api = record(second.records(), "jars/api-0.36.0.jar");
        assertEquals(T2, api.current().timestamp());
        assertEquals(List.of(new SiteRecord.PreviousVersion(T1, "a1", "jars/api-0.35.0.jar", T2)), api.previous());
        assertEquals(1, second.records().size());
    }

    @Test
    void aJarNoLongerShippedBecomesObsoleteAndStaysSo() {
        SiteUpdate first = SiteUpdate.of(List.of(), List.of(
                jar("jars/plugin-0.1.0.jar", "p1", 100), jar("jars/old-1.0.jar", "o1", 10)), T1);
        SiteUpdate second = SiteUpdate.of(first.records(), List.of(jar("jars/plugin-0.1.0.jar", "p1", 100)), T2);
        SiteRecord old = record(second.records(), "jars/old-1.0.jar");
        assertNull(old.current());
        assertEquals(List.of(new SiteRecord.PreviousVersion(T1, "o1", "jars/old-1.0.jar", T2)), old.previous());
        assertEquals(List.of(), second.newVersions());

        SiteUpdate third = SiteUpdate.of(second.records(), List.of(jar("jars/plugin-0.1.0.jar", "p1", 100)), T3);
        assertEquals(old, record(third.records(), "jars/old-1.0.jar"));
    }

    @Test
    void refusesTimestampsThatAreNotLaterThanTheSite() {
        SiteUpdate first = SiteUpdate.of(List.of(), List.of(jar("jars/plugin-0.1.0.jar", "p1", 100)), T2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SiteUpdate.of(
                first.records(), List.of(jar("jars/plugin-0.1.0.jar", "p2", 100)), T1));
        assertTrue(e.getMessage().contains("clock"), e.getMessage());
        // Nothing changed: an earlier timestamp is harmless because it is not used.
        assertEquals(first.records(), SiteUpdate.of(first.records(),
                List.of(jar("jars/plugin-0.1.0.jar", "p1", 100)), T1).records());
        assertThrows(IllegalArgumentException.class, () -> SiteUpdate.of(List.of(), List.of(), 2026010110000L));
    }

    @Test
    void refusesTwoVersionsOfOneJarAndDependenciesOutsideTheSite() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> SiteUpdate.of(List.of(),
                List.of(jar("jars/api-0.35.0.jar", "a", 1), jar("jars/api-0.36.0.jar", "b", 1)), T1));
        assertTrue(twice.getMessage().contains("api-0.35.0.jar"), twice.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> SiteUpdate.of(List.of(),
                List.of(jar("jars/plugin-0.1.0.jar", "p", 1, "jars/gson.jar")), T1));
        assertTrue(outside.getMessage().contains("jars/gson.jar"), outside.getMessage());
    }
}
