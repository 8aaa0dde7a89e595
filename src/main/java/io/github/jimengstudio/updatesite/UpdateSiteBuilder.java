package io.github.jimengstudio.updatesite;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes Jimeng Studio's Fiji update site: {@code db.xml.gz} plus each new file as {@code jars/<name>.jar-<timestamp>},
 * ready to upload. Run by the Maven build in the {@code package} phase (see {@code pom.xml}); by hand:
 * <pre>
 * java -cp target/classes io.github.jimengstudio.updatesite.UpdateSiteBuilder --out DIR --plugin JAR [options]
 * </pre>
 * Options (NAME is a jar's name without version and {@code .jar}, e.g. {@code pytorch-engine}):
 * <ul>
 * <li>{@code --jar JAR}, {@code --jar-list FILE}: dependency jars to consider; the file holds a class path, as
 * {@code dependency:build-classpath} writes it.</li>
 * <li>{@code --fiji-bom POM}: {@code pom-scijava}'s pom; a jar it manages is Fiji's own and is left out.</li>
 * <li>{@code --leave-out NAME}: leave this jar out too (the 111 MB CPU libtorch jar is for tests only).</li>
 * <li>{@code --describe NAME=TEXT}, {@code --author TEXT} (of the plugin jar): what the updater shows.</li>
 * <li>{@code --dependency NAME=NAME}: a dependency the bytecode does not show (a jar of native libraries).</li>
 * <li>{@code --previous DIR|URL}: the site as it is now (a folder holding {@code db.xml.gz}, or the site's URL):
 * its versions become previous versions, unchanged files keep their version.</li>
 * <li>{@code --timestamp yyyyMMddHHmmss}: of new versions; default now, in local time as the updater takes it.</li>
 * <li>{@code --options FILE}: more options from a file, one {@code --option value} per line
 * ({@code src/main/updatesite/site-options} holds the site's own).</li>
 * </ul>
 * Dependencies between the shipped jars are found as the updater finds them, from the classes each jar's bytecode
 * names ({@link JarClasses}).
 */
public final class UpdateSiteBuilder {
    private static final Pattern SERVER_FILE = Pattern.compile(".+\\.jar-\\d{14}");

    private Path out;
    private Path plugin;
    private final List<Path> candidates = new ArrayList<>();
    private FijiManagedArtifacts fiji;
    private final Set<String> leaveOut = new LinkedHashSet<>();
    private final Map<String, String> descriptions = new TreeMap<>();
    private final List<String> authors = new ArrayList<>();
    private final Map<String, Set<String>> extraDependencies = new TreeMap<>();
    private String previous;
    private long timestamp;
    private final PrintStream log;

    private UpdateSiteBuilder(PrintStream log) {
        this.log = log;
    }

    public static void main(String[] args) throws IOException {
        build(args, System.out);
    }

    /** Builds the site {@code args} describe, logging each decision to {@code log}; returns what changed. */
    public static SiteUpdate build(String[] args, PrintStream log) throws IOException {
        UpdateSiteBuilder b = new UpdateSiteBuilder(log);
        b.parse(args);
        return b.write();
    }

    private void parse(String[] given) throws IOException {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < given.length; i++) {
            if (given[i].equals("--options") && i + 1 < given.length) {
                args.addAll(optionsFile(Path.of(given[++i])));
            } else {
                args.add(given[i]);
            }
        }
        parse(args);
    }

    /**
     * Options kept in a file, one per line as {@code --option value} (split at the first space, the rest of the
     * line is the value); blank lines and lines starting with {@code #} are skipped.
     */
    static List<String> optionsFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw usage("--options " + file + " is not a file");
        }
        List<String> args = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int space = t.indexOf(' ');
            if (!t.startsWith("--") || space < 0) {
                throw usage(file + ": '" + t + "' is not of the form --option value");
            }
            args.add(t.substring(0, space));
            args.add(t.substring(space + 1).strip());
        }
        return args;
    }

    private void parse(List<String> options) throws IOException {
        String[] args = options.toArray(new String[0]);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw usage(option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--out" -> out = Path.of(value);
                case "--plugin" -> plugin = existingJar(value, option);
                case "--jar" -> candidates.add(existingJar(value, option));
                case "--jar-list" -> {
                    if (!Files.isRegularFile(Path.of(value))) {
                        throw usage("--jar-list " + value + " is not a file");
                    }
                    String list = Files.readString(Path.of(value), StandardCharsets.UTF_8).trim();
                    for (String entry : list.split(Pattern.quote(File.pathSeparator))) {
                        if (!entry.isBlank()) {
                            candidates.add(existingJar(entry.trim(), option + " " + value));
                        }
                    }
                }
                case "--fiji-bom" -> fiji = FijiManagedArtifacts.read(Path.of(value));
                case "--leave-out" -> leaveOut.add(value);
                case "--describe" -> descriptions.put(name(value, option), value.substring(value.indexOf('=') + 1));
                case "--author" -> authors.add(value);
                case "--dependency" -> extraDependencies.computeIfAbsent(name(value, option), k -> new TreeSet<>())
                        .add(value.substring(value.indexOf('=') + 1).trim());
                case "--previous" -> previous = value;
                case "--timestamp" -> {
                    try {
                        timestamp = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw usage("--timestamp " + value + " is not yyyyMMddHHmmss");
                    }
                }
                default -> throw usage("unknown option " + option);
            }
        }
        if (out == null || plugin == null) {
            throw usage("--out and --plugin are required");
        }
        if (timestamp == 0) {
            timestamp = SiteLayout.now();
        }
    }

    private SiteUpdate write() throws IOException {
        // Everything that can be refused cheaply is checked before the jars are read.
        List<Path> jars = choose();
        Set<String> names = new TreeSet<>();
        jars.forEach(jar -> names.add(SiteLayout.baseName(jar.getFileName().toString())));
        for (String described : descriptions.keySet()) {
            if (!names.contains(described)) {
                throw new IllegalArgumentException("--describe " + described + ": no shipped jar has that name;"
                        + " shipped are " + names);
            }
        }
        Source old = readPrevious();
        List<Path> stale = staleOutput();

        Map<String, JarClasses> classes = new LinkedHashMap<>();
        for (Path jar : jars) {
            classes.put(SiteLayout.baseName(jar.getFileName().toString()), JarClasses.read(jar));
        }
        Map<String, Set<String>> dependencies = dependencies(classes);
        List<ShippedJar> shipped = new ArrayList<>();
        for (Path jar : jars) {
            String filename = (jar.equals(plugin) ? SiteLayout.PLUGINS : SiteLayout.JARS) + jar.getFileName();
            String name = SiteLayout.baseName(filename);
            Set<String> deps = new TreeSet<>();
            for (String d : dependencies.get(name)) {
                deps.add(SiteLayout.JARS + d + ".jar");
            }
            shipped.add(new ShippedJar(jar, filename, UpdaterChecksum.ofJar(jar), Files.size(jar),
                    descriptions.get(name), jar.equals(plugin) ? authors : List.of(), deps));
        }
        SiteUpdate update = SiteUpdate.of(old.records, shipped, timestamp);

        for (Path p : stale) {
            Files.delete(p);
        }
        for (ShippedJar j : update.newVersions()) {
            copy(j.source(), out.resolve(SiteLayout.serverName(j.filename(), timestamp)));
            log.printf("new version  %s-%d (%,d bytes)%n", j.filename(), timestamp, j.filesize());
        }
        for (Map.Entry<ShippedJar, Long> e : update.unchanged().entrySet()) {
            String server = SiteLayout.serverName(e.getKey().filename(), e.getValue());
            if (old.folder == null) {
                log.println("unchanged    " + server + " (already on the site)");
                continue;
            }
            Path file = old.folder.resolve(server);
            if (!Files.isRegularFile(file)) {
                throw new IOException("The existing site's db.xml.gz offers " + server + " but " + file
                        + " is missing. Restore it from the hosted site, or pass --previous <site URL>.");
            }
            copy(file, out.resolve(server));
            log.println("unchanged    " + server);
        }
        for (SiteRecord r : update.records()) {
            if (r.current() == null && old.records.stream().anyMatch(o -> o.filename().equals(r.filename())
                    && o.current() != null)) {
                log.println("obsolete     " + r.filename() + " (no longer shipped; Fiji will offer to remove it)");
            }
        }
        try (OutputStream db = Files.newOutputStream(out.resolve(SiteLayout.DB_FILE))) {
            SiteDatabase.write(update.records(), db);
        }
        log.println("wrote        " + out.resolve(SiteLayout.DB_FILE) + " (" + update.records().size() + " records)");
        return update;
    }

    /** The plugin jar and the candidates that are neither Fiji's own nor left out, in a stable order. */
    private List<Path> choose() {
        List<Path> chosen = new ArrayList<>();
        chosen.add(plugin);
        Set<String> unusedLeaveOut = new LinkedHashSet<>(leaveOut);
        for (Path jar : new TreeSet<>(candidates)) {
            String file = jar.getFileName().toString();
            String name = SiteLayout.baseName(file);
            if (jar.equals(plugin)) {
                continue;
            }
            if (leaveOut.contains(name)) {
                unusedLeaveOut.remove(name);
                log.println("left out     " + file + " (--leave-out " + name + ")");
            } else if (fiji != null && fiji.manages(jar)) {
                log.println("left out     " + file + " (Fiji ships it: managed by " + fiji.source() + ")");
            } else {
                chosen.add(jar);
            }
        }
        for (String unused : unusedLeaveOut) {
            log.println("note         --leave-out " + unused + " matched no jar");
        }
        Map<String, Path> byName = new TreeMap<>();
        for (Path jar : chosen) {
            String file = jar.getFileName().toString();
            if (!file.endsWith(".jar") || !file.matches("[A-Za-z0-9._+-]+")) {
                throw new IllegalArgumentException(jar + ": a shipped file must be a .jar whose name has only"
                        + " letters, digits and . _ + - (Fiji's updater puts it into URLs)");
            }
            Path clash = byName.put(SiteLayout.baseName(file), jar);
            if (clash != null) {
                throw new IllegalArgumentException(clash + " and " + jar + " are versions of the same jar;"
                        + " ship one.");
            }
        }
        return chosen;
    }

    /** For each shipped jar (by name), the other shipped jars that define a class its bytecode names. */
    private Map<String, Set<String>> dependencies(Map<String, JarClasses> classes) {
        Map<String, String> definedIn = new TreeMap<>();
        for (Map.Entry<String, JarClasses> e : classes.entrySet()) {
            for (String c : e.getValue().defined()) {
                String other = definedIn.putIfAbsent(c, e.getKey());
                if (other != null && !other.equals(e.getKey())) {
                    log.println("warning      class " + c + " is in both " + other + " and " + e.getKey());
                }
            }
        }
        Map<String, Set<String>> deps = new TreeMap<>();
        for (Map.Entry<String, JarClasses> e : classes.entrySet()) {
            Set<String> needs = new TreeSet<>();
            for (String c : e.getValue().referenced()) {
                String owner = definedIn.get(c);
                if (owner != null && !owner.equals(e.getKey())) {
                    needs.add(owner);
                }
            }
            deps.put(e.getKey(), needs);
        }
        for (Map.Entry<String, Set<String>> e : extraDependencies.entrySet()) {
            for (String name : new TreeSet<>(e.getValue())) {
                if (!classes.containsKey(e.getKey()) || !classes.containsKey(name)) {
                    throw new IllegalArgumentException("--dependency " + e.getKey() + "=" + name
                            + ": both must be shipped jars; shipped are " + classes.keySet());
                }
            }
            deps.get(e.getKey()).addAll(e.getValue());
        }
        return deps;
    }

    private record Source(List<SiteRecord> records, Path folder) {}

    private Source readPrevious() throws IOException {
        if (previous == null) {
            return new Source(List.of(), null);
        }
        if (previous.matches("(?i)(https?|file):.*")) {
            String base = previous.endsWith("/") ? previous : previous + "/";
            try (InputStream in = new URI(base + SiteLayout.DB_FILE).toURL().openStream()) {
                log.println("previous     " + base + SiteLayout.DB_FILE);
                return new Source(SiteDatabase.read(in, base + SiteLayout.DB_FILE), null);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("--previous " + previous + " is not a valid URL: " + e.getMessage(), e);
            } catch (FileNotFoundException e) {
                throw new IOException("--previous " + previous + " has no " + SiteLayout.DB_FILE
                        + " (" + e.getMessage() + "); for a new site leave --previous out.", e);
            }
        }
        Path folder = Path.of(previous).toAbsolutePath().normalize();
        Path db = folder.resolve(SiteLayout.DB_FILE);
        if (out.toAbsolutePath().normalize().equals(folder)) {
            throw new IllegalArgumentException("--previous and --out are the same folder " + folder
                    + "; write to another folder and copy the result over.");
        }
        if (!Files.isRegularFile(db)) {
            log.println("previous     none (" + folder + " holds no " + SiteLayout.DB_FILE + "): a new site");
            return new Source(List.of(), folder);
        }
        log.println("previous     " + db);
        try (InputStream in = Files.newInputStream(db)) {
            return new Source(SiteDatabase.read(in, db.toString()), folder);
        }
    }

    /**
     * Creates {@code out} and lists what an earlier build wrote there ({@code db.xml.gz} and
     * {@code jars/<name>.jar-<timestamp>}), to be replaced; refuses a folder holding anything else.
     */
    private List<Path> staleOutput() throws IOException {
        Files.createDirectories(out.resolve("jars"));
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> top = Files.list(out)) {
            for (Path p : (Iterable<Path>) top::iterator) {
                String name = p.getFileName().toString();
                if (name.equals(SiteLayout.DB_FILE)) {
                    stale.add(p);
                } else if (!name.equals("jars") && !name.equals("plugins")) {
                    throw new IOException(out + " holds " + name + ", so it is not an update-site folder this"
                            + " tool wrote; give --out an empty or new folder.");
                }
            }
        }
        for (String folder : List.of(SiteLayout.JARS, SiteLayout.PLUGINS)) {
            Path dir = out.resolve(folder);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (!Files.isRegularFile(p) || !SERVER_FILE.matcher(p.getFileName().toString()).matches()) {
                        throw new IOException(p + " is not a file this tool wrote; give --out an empty or new"
                                + " folder.");
                    }
                    stale.add(p);
                }
            }
        }
        return stale;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static Path existingJar(String value, String option) {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw usage(option + ": " + value + " is not a file");
        }
        return p.toAbsolutePath().normalize();
    }

    private static String name(String assignment, String option) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw usage(option + " " + assignment + ": expected NAME=VALUE");
        }
        return assignment.substring(0, eq).trim();
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + ". Usage: UpdateSiteBuilder --out DIR --plugin JAR"
                + " [--jar JAR | --jar-list FILE]... [--fiji-bom POM] [--leave-out NAME]... [--describe NAME=TEXT]..."
                + " [--author TEXT]... [--dependency NAME=NAME]... [--previous DIR|URL] [--timestamp yyyyMMddHHmmss]"
                + " [--options FILE]");
    }
}
