package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the site the way the Maven build does (same runtime class path, pom-scijava and
 * {@code src/main/updatesite/site-options}), with this project's compiled classes standing in for the project jar,
 * which does not exist yet when tests run.
 */
class UpdateSiteBuilderTest {
    private static final long T1 = 20260101100000L;
    private static final long T2 = 20260202100000L;
    private static final String PLUGIN = "Jimeng_Studio-0.1.0-SNAPSHOT.jar";

    @TempDir
    static Path dir;
    static Path plugin;
    static Path classPathList;
    /** The site built once from {@link #plugin} at {@link #T1}, as a first build would. */
    static Path site;
    static String siteLog;

    @BeforeAll
    static void buildTheSiteOnceWithAStandInForTheProjectJar() throws Exception {
        Path classes = Path.of(UpdateSiteBuilder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        plugin = TestJars.write(dir.resolve("build1").resolve(PLUGIN), filesUnder(classes), Deflater.BEST_SPEED);
        String list = System.getProperty("jimeng.updatesite.classpath");
        if (list == null || !Files.isRegularFile(Path.of(list))) {
            throw new AssertionError("jimeng.updatesite.classpath (the runtime class path pom.xml writes before the"
                    + " tests) is missing: " + list + "; run the tests through Maven");
        }
        classPathList = Path.of(list);
        site = dir.resolve("site");
        siteLog = build(args(site, plugin, T1));
    }

    private static Map<String, byte[]> filesUnder(Path root) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(root.relativize(p).toString().replace(File.separatorChar, '/'), Files.readAllBytes(p));
            }
        }
        return entries;
    }

    private static String[] args(Path out, Path pluginJar, long timestamp, String... more) {
        List<String> a = new ArrayList<>(List.of("--out", out.toString(), "--plugin", pluginJar.toString(),
                "--jar-list", classPathList.toString(), "--fiji-bom", FijiManagedArtifactsTest.bom().toString(),
                "--options", Path.of("src/main/updatesite/site-options").toString(),
                "--timestamp", Long.toString(timestamp)));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static String build(String[] args) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        UpdateSiteBuilder.build(args, new PrintStream(log, true, StandardCharsets.UTF_8));
        return log.toString(StandardCharsets.UTF_8);
    }

    private static List<SiteRecord> records(Path site) throws IOException {
        try (InputStream in = Files.newInputStream(site.resolve("db.xml.gz"))) {
            return SiteDatabase.read(in, site.toString());
        }
    }

    private static Set<String> serverFiles(Path site) throws IOException {
        Set<String> all = new TreeSet<>();
        for (String folder : List.of("jars", "plugins")) {
            if (Files.isDirectory(site.resolve(folder))) {
                try (Stream<Path> list = Files.list(site.resolve(folder))) {
                    list.forEach(p -> all.add(folder + "/" + p.getFileName()));
                }
            }
        }
        return all;
    }

    @Test
    void shipsOurJarAndDjlButNeitherFijisOwnJarsNorTheCpuLibtorch() throws Exception {
        String log = siteLog;
        String runtime = Files.readString(classPathList);
        for (String name : List.of("gson-2.10.1.jar", "jna-5.14.0.jar", "slf4j-api-2.0.17.jar",
                "pytorch-native-cpu-2.7.1-linux-x86_64.jar")) {
            assertTrue(runtime.contains(File.separator + name), name + " should be a runtime jar: " + runtime);
            assertTrue(log.contains("left out     " + name), log);
        }
        Set<String> expected = new TreeSet<>(List.of("jars/api-0.36.0.jar", "plugins/" + PLUGIN,
                "jars/pytorch-engine-0.36.0.jar", "jars/pytorch-jni-2.7.1-0.36.0.jar", "jars/tokenizers-0.36.0.jar"));
        List<SiteRecord> records = records(site);
        assertEquals(expected,
                records.stream().map(SiteRecord::filename).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(expected.stream().map(f -> f + "-" + T1).collect(Collectors.toCollection(TreeSet::new)),
                serverFiles(site));

        // Every record matches its file on the server: name, size and the updater's checksum.
        for (SiteRecord r : records) {
            Path file = site.resolve(SiteLayout.serverName(r.filename(), r.current().timestamp()));
            assertEquals(T1, r.current().timestamp());
            assertEquals(Files.size(file), r.current().filesize(), r.filename());
            assertEquals(UpdaterChecksum.ofJar(file), r.current().checksum(), r.filename());
            assertTrue(r.current().description() != null && !r.current().description().isBlank(), r.filename());
            assertEquals(List.of(), r.previous());
        }
        assertEquals(List.of("Jimeng Studio contributors"), record(records, "plugins/" + PLUGIN).current().authors());

        assertEquals(Map.of(
                "plugins/" + PLUGIN, Set.of("jars/api-0.36.0.jar", "jars/pytorch-engine-0.36.0.jar",
                        "jars/tokenizers-0.36.0.jar"),
                "jars/pytorch-engine-0.36.0.jar", Set.of("jars/api-0.36.0.jar", "jars/pytorch-jni-2.7.1-0.36.0.jar"),
                "jars/tokenizers-0.36.0.jar", Set.of("jars/api-0.36.0.jar"),
                "jars/api-0.36.0.jar", Set.of(),
                "jars/pytorch-jni-2.7.1-0.36.0.jar", Set.of()), dependencies(records));

        String xml;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(site.resolve("db.xml.gz")))) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(List.of(), SiteDatabaseTest.schemaProblems(xml));
    }

    @Test
    void rebuildingOverAnExistingSiteKeepsItsVersionsAsPreviousVersions() throws Exception {
        Path first = site;
        List<SiteRecord> before = records(first);

        Map<String, byte[]> changed = filesUnder(Path.of(
                UpdateSiteBuilder.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        changed.put("io/github/jimengstudio/NEW.txt", "a change".getBytes(StandardCharsets.UTF_8));
        Path plugin2 = TestJars.write(dir.resolve("build2").resolve(PLUGIN), changed, Deflater.BEST_SPEED);
        Path second = dir.resolve("site-rebuilt");
        String log = build(args(second, plugin2, T2, "--previous", first.toString()));

        List<SiteRecord> after = records(second);
        SiteRecord ours = record(after, "plugins/" + PLUGIN);
        SiteRecord oursBefore = record(before, "plugins/" + PLUGIN);
        assertEquals(T2, ours.current().timestamp());
        assertEquals(UpdaterChecksum.ofJar(plugin2), ours.current().checksum());
        assertEquals(List.of(
                new SiteRecord.PreviousVersion(T1, oursBefore.current().checksum(), "plugins/" + PLUGIN, T2)),
                ours.previous());
        for (String dep : List.of("jars/api-0.36.0.jar", "jars/pytorch-engine-0.36.0.jar",
                "jars/pytorch-jni-2.7.1-0.36.0.jar", "jars/tokenizers-0.36.0.jar")) {
            assertEquals(record(before, dep).current(), record(after, dep).current(), dep + " is unchanged");
            assertTrue(log.contains("unchanged    " + dep + "-" + T1), log);
        }
        Set<String> files = serverFiles(second);
        assertTrue(files.contains("plugins/" + PLUGIN + "-" + T2), files.toString());
        assertTrue(files.contains("jars/api-0.36.0.jar-" + T1), files.toString()); // copied from the old site
        assertEquals(5, files.size(), files.toString());

        // The existing site given by URL: only its db.xml.gz is read, so the unchanged files (already on the
        // server) are not written again. Building into the same folder replaces the earlier build's files there,
        // and never touches the previous site.
        log = build(args(second, plugin2, T2, "--previous", first.toUri().toString()));
        assertEquals(Set.of("plugins/" + PLUGIN + "-" + T2), serverFiles(second));
        assertEquals(after, records(second));
        assertTrue(log.contains("unchanged    jars/api-0.36.0.jar-" + T1 + " (already on the site)"), log);
        assertEquals(before, records(first));
        assertEquals(5, serverFiles(first).size());
    }

    @Test
    void refusesToWriteIntoAFolderItDidNotWriteAndUnknownNames() throws Exception {
        Path foreign = dir.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("thesis.tex"), "precious");
        IOException e = assertThrows(IOException.class, () -> build(args(foreign, plugin, T1)));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        assertTrue(Files.exists(foreign.resolve("thesis.tex")));

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> build(args(dir.resolve("site-c"), plugin, T1, "--describe", "gson=Fiji's, not ours")));
        assertTrue(unknown.getMessage().contains("gson"), unknown.getMessage());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> build(args(dir.resolve("site-d"), plugin, T1, "--previous", dir.resolve("site-d").toString())));
        assertTrue(same.getMessage().contains("same folder"), same.getMessage());
    }

    private static SiteRecord record(List<SiteRecord> records, String filename) {
        return records.stream().filter(r -> r.filename().equals(filename)).findFirst()
                .orElseThrow(() -> new AssertionError(filename + " not in " + records));
    }

    private static Map<String, Set<String>> dependencies(List<SiteRecord> records) {
        Map<String, Set<String>> deps = new TreeMap<>();
        for (SiteRecord r : records) {
            deps.put(r.filename(), r.current().dependencies().stream().map(SiteRecord.Dependency::filename)
                    .collect(Collectors.toSet()));
        }
        return deps;
    }
}
