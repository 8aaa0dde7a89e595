package io.github.jimengstudio.pipeline;

import com.google.gson.JsonObject;
import io.github.jimengstudio.tensor.JsonLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** File-presence checks that phrase what is wrong, for the layout checkers. */
final class FileChecks {
    private static final int MAX_LISTED = 6;

    private FileChecks() {}

    /** Null when {@code file} is a readable regular file (links followed), else why not, e.g. "missing". */
    static String fileProblem(Path file) {
        if (Files.isRegularFile(file)) {
            return Files.isReadable(file) ? null : "is not readable (check its permissions)";
        }
        if (Files.isSymbolicLink(file)) {
            // The HF cache links snapshot files to blobs/; a dangling link means the blob was deleted or never finished.
            return "is a link to a missing file (" + linkTarget(file) + "; download it again)";
        }
        if (Files.isDirectory(file)) {
            return "is a folder, expected a file";
        }
        return "missing";
    }

    /** Null when {@code dir} is a folder (links followed), else why not. */
    static String folderProblem(Path dir) {
        if (Files.isDirectory(dir)) {
            return null;
        }
        if (Files.isSymbolicLink(dir) && !Files.exists(dir)) {
            return "is a link to a missing folder (" + linkTarget(dir) + ")";
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "is a file, expected a folder";
        }
        return "missing";
    }

    private static String linkTarget(Path link) {
        try {
            return "it points to " + Files.readSymbolicLink(link);
        } catch (IOException e) {
            return "its target cannot be read";
        }
    }

    /** " (the folder is empty)" or " (it holds: a, b, ...)", to show the user what is there instead. */
    static String contentsHint(Path dir) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString() + (Files.isDirectory(p) ? "/" : "")).sorted().forEach(names::add);
        } catch (IOException e) {
            return " (its contents cannot be listed: " + e.getMessage() + ")";
        }
        if (names.isEmpty()) {
            return " (the folder is empty)";
        }
        String shown = String.join(", ", names.subList(0, Math.min(MAX_LISTED, names.size())));
        return " (it holds: " + shown + (names.size() > MAX_LISTED ? ", ..." : "") + ")";
    }

    /** True when the folder exists and has no entries. */
    static boolean isEmptyFolder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** The file's JSON object, or null after recording why it cannot be read. */
    static JsonObject readJsonObject(Path file, Findings findings) {
        try {
            return JsonLimits.parseObject(JsonLimits.readText(file, JsonLimits.MAX_CHARS), file.toString(), "it");
        } catch (IOException e) {
            findings.problem(file + ": cannot be read (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            findings.problem(e.getMessage() + "; download it again");
        }
        return null;
    }
}
