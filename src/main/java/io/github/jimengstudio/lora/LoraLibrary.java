package io.github.jimengstudio.lora;

import io.github.jimengstudio.tensor.FileKind;
import io.github.jimengstudio.tensor.SafetensorsFile;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The LoRA folder: every {@code .safetensors} file below it, known by its path without the extension
 * ({@code anime} or {@code styles/ink}). Scanning reads headers only, and a rescan re-reads only files whose
 * size, modification time or identity changed, so it is cheap enough to run whenever the dropdown opens.
 *
 * <p>Names come from users, macros and scripts, so {@link #resolve} accepts only names that stay inside the
 * folder: no {@code ..}, no absolute paths, no drive letters. (A link the user put into the folder is followed:
 * that is the user's own choice, not something a name can smuggle in.) Thread-safe.
 */
public final class LoraLibrary {

    /** The folder's default name, beside the plugin. */
    public static final String DEFAULT_FOLDER_NAME = "lora";
    static final String EXTENSION = ".safetensors";
    private static final int MAX_DEPTH = 8;

    private record Fingerprint(long size, long modifiedMillis, Object fileKey) {}

    private record Entry(LoraInfo info, Fingerprint fingerprint) {}

    private final Path folder;
    private final List<Consumer<LibraryChanges>> listeners = new CopyOnWriteArrayList<>();
    private Map<String, Entry> entries = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private boolean scanned;

    public LoraLibrary(Path folder) {
        this.folder = Objects.requireNonNull(folder, "LoRA folder").toAbsolutePath().normalize();
    }

    public Path folder() {
        return folder;
    }

    /** Called after each rescan that found something different (on the rescanning thread). */
    public void addListener(Consumer<LibraryChanges> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<LibraryChanges> listener) {
        listeners.remove(listener);
    }

    /** The LoRAs found by the last scan, sorted by name. */
    public synchronized List<LoraInfo> entries() {
        return entries.values().stream().map(Entry::info).toList();
    }

    /**
     * Scans the folder unless it was scanned before, so that whoever looks first (the Fiji service's list, or the
     * pipeline resolving a requested LoRA) scans it, once; later changes come from {@link #rescan} or {@link #watch}.
     *
     * @return this library
     */
    public LoraLibrary ensureScanned() throws IOException {
        synchronized (this) {
            if (scanned) {
                return this;
            }
        }
        rescan();
        return this;
    }

    /**
     * Scans the folder again and reports what was added, removed or changed. A missing folder is an empty
     * library, not an error (the user may create it later).
     */
    public LibraryChanges rescan() throws IOException {
        LibraryChanges changes;
        synchronized (this) {
            Map<String, Entry> next = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            List<String> added = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            Scan scan = listFiles();
            for (Map.Entry<Path, String> r : scan.refused().entrySet()) {
                // listed with the reason, so the user sees why it is not offered; it blocks nothing else
                String name = nameOf(r.getKey());
                Fingerprint none = new Fingerprint(-1, -1, r.getValue());
                Entry old = entries.get(name);
                next.put(name, old != null && old.fingerprint().equals(none) ? old
                        : new Entry(LoraInfo.unusable(name, r.getKey(), r.getValue()), none));
                if (old == null || !old.fingerprint().equals(none)) {
                    (old == null ? added : changed).add(name);
                }
            }
            for (Path file : scan.files()) {
                String name = nameOf(file);
                Fingerprint fp = fingerprint(file);
                if (fp == null || next.containsKey(name)) {
                    continue; // vanished while scanning, or a case-only twin of a name already taken
                }
                Entry old = entries.get(name);
                if (old != null && old.fingerprint().equals(fp) && old.info().name().equals(name)) {
                    next.put(name, old);
                    continue;
                }
                next.put(name, new Entry(LoraInfo.read(name, file, fp.size(),
                        Instant.ofEpochMilli(fp.modifiedMillis())), fp));
                (old == null ? added : changed).add(name);
            }
            List<String> removed = new ArrayList<>();
            for (String name : entries.keySet()) {
                if (!next.containsKey(name)) {
                    removed.add(name);
                }
            }
            entries = next;
            scanned = true;
            changes = new LibraryChanges(added, removed, changed);
        }
        if (!changes.isEmpty()) {
            listeners.forEach(l -> l.accept(changes));
        }
        return changes;
    }

    /** The LoRA files found, and the {@code .safetensors} entries that cannot be files (with the reason). */
    private record Scan(List<Path> files, Map<Path, String> refused) {}

    /**
     * Every {@code .safetensors} file below the folder. A link loop, a dangling link or an unreadable sub-folder
     * costs only itself: the walk goes on (a loop stopped the whole scan, and so every LoRA, before).
     */
    private Scan listFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        Map<Path, String> refused = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return new Scan(files, refused);
        }
        Files.walkFileTree(folder, EnumSet.of(FileVisitOption.FOLLOW_LINKS), MAX_DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.equals(folder) || !isHidden(folder.relativize(dir)) ? FileVisitResult.CONTINUE
                        : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (isLoraName(file)) {
                    if (attrs.isRegularFile()) {
                        files.add(file);
                    } else if (!attrs.isDirectory()) {
                        String kind = FileKind.notOrdinary(file);
                        refused.put(file, "not a LoRA file: it is " + (kind != null ? kind : "not an ordinary file"));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                if (isLoraName(file)) {
                    refused.put(file, "unreadable: " + (e instanceof FileSystemLoopException
                            ? "its link leads back into a folder above it (a loop)" : e.toString()));
                }
                return FileVisitResult.CONTINUE; // a loop or an unreadable folder: skipped, the rest is listed
            }
        });
        files.sort(Comparator.comparing(Path::toString));
        return new Scan(files, refused);
    }

    private boolean isLoraName(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(EXTENSION)
                && !isHidden(folder.relativize(file));
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private String nameOf(Path file) {
        String rel = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        return rel.substring(0, rel.length() - EXTENSION.length());
    }

    private static Fingerprint fingerprint(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Fingerprint(a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The file of a LoRA name, checked to lie inside the folder. Accepts the name with or without
     * {@code .safetensors}, and {@code \} as well as {@code /} between sub-folders.
     *
     * @throws IllegalArgumentException when the name tries to leave the folder, or no such LoRA exists
     */
    public Path resolve(String name) {
        String n = checkedName(name);
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("No LoRA named '" + n + "': the LoRA folder " + folder
                    + (Files.exists(folder) ? " is a file, not a folder." : " does not exist."));
        }
        Path file = folder.resolve(n + EXTENSION).normalize();
        if (!file.startsWith(folder)) {
            throw new IllegalArgumentException("LoRA name '" + name + "' points outside the LoRA folder " + folder
                    + "; give the name of a file in that folder.");
        }
        if (!Files.isRegularFile(file)) {
            Path match = caseInsensitiveMatch(n);
            String refused = problemOf(n);
            if (match == null && refused != null) {
                throw new IllegalArgumentException("LoRA '" + n + "' in " + folder + " cannot be used: " + refused);
            }
            if (match == null) {
                throw new IllegalArgumentException("No LoRA named '" + n + "' in " + folder + ". Available: "
                        + available() + ". Refresh the LoRA list if you just added it.");
            }
            file = match;
        }
        return file;
    }

    /** The header information of a LoRA, re-read if the file changed since the last scan. */
    public LoraInfo info(String name) {
        Path file = resolve(name);
        String n = nameOf(file);
        Fingerprint fp = fingerprint(file);
        synchronized (this) {
            Entry e = entries.get(n);
            if (e != null && e.fingerprint().equals(fp)) {
                return e.info();
            }
        }
        long size = fp == null ? 0 : fp.size();
        long modified = fp == null ? 0 : fp.modifiedMillis();
        return LoraInfo.read(n, file, size, Instant.ofEpochMilli(modified));
    }

    /**
     * Reads and validates a LoRA for the model behind {@code parser}.
     *
     * @throws LoraRejectedException when it does not fit the model (nothing is applied)
     */
    public Lora load(String name, LoraParser parser) throws IOException {
        Path file = resolve(name);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return parser.parse(nameOf(file), f);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("LoRA '" + name + "' disappeared from " + folder
                    + " while loading; refresh the LoRA list.", e);
        }
    }

    private Path caseInsensitiveMatch(String n) {
        synchronized (this) {
            Entry e = entries.get(n);
            if (e != null && Files.isRegularFile(e.info().file())) {
                return e.info().file();
            }
        }
        return null;
    }

    /** Why the last scan listed {@code n} as unusable, or null. */
    private synchronized String problemOf(String n) {
        Entry e = entries.get(n);
        return e == null ? null : e.info().problem();
    }

    private String available() {
        List<String> names;
        synchronized (this) {
            names = new ArrayList<>(entries.keySet());
        }
        if (names.isEmpty()) {
            return "none (put .safetensors LoRA files into the folder)";
        }
        return names.size() <= 12 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 12)) + ", ... (" + names.size() + " in all)";
    }

    /** Refuses names that could leave the folder; returns the name with {@code /} separators, no extension. */
    static String checkedName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("The LoRA name is empty: give a file name from the LoRA folder.");
        }
        String n = name.trim().replace('\\', '/');
        if (n.toLowerCase(Locale.ROOT).endsWith(EXTENSION)) {
            n = n.substring(0, n.length() - EXTENSION.length());
        }
        if (n.indexOf('\0') >= 0 || n.startsWith("/") || n.matches("^[A-Za-z]:.*")) {
            throw new IllegalArgumentException("LoRA name '" + name + "' is an absolute path; give the name of a "
                    + "file in the LoRA folder instead (its file name without .safetensors).");
        }
        for (String part : n.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("LoRA name '" + name + "' is not a plain name inside the LoRA "
                        + "folder ('..', '.' and empty parts are not allowed).");
            }
        }
        return n;
    }

    /** Starts watching the folder: changes trigger a rescan (and so the listeners) shortly after they happen. */
    public LoraFolderWatcher watch() throws IOException {
        return LoraFolderWatcher.start(this);
    }
}
