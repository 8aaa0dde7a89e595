package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What kind of thing a path names, so that a file we are about to read is known to be an ordinary file first:
 * opening a FIFO blocks until some other program writes to it, and a device such as {@code /dev/zero} never ends.
 * Neither can be a model file, and "not found" would be the wrong thing to tell the user about them.
 */
public final class FileKind {
    private FileKind() {}

    /** What {@link #notOrdinary} says of a path where nothing is. */
    public static final String NOT_FOUND = "not found";
    /** What {@link #notOrdinary} says of a folder. */
    public static final String FOLDER = "a folder";

    /**
     * Null when {@code file} is an ordinary file (links followed), else what it is instead, as words for a message:
     * {@link #NOT_FOUND}, {@link #FOLDER}, "a FIFO, device or socket, not an ordinary file".
     */
    public static String notOrdinary(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return NOT_FOUND;
            }
            // it is there, but what it names is not: a dangling link, a link loop, or no permission
            return e instanceof NoSuchFileException ? "a link to nothing" : "unreadable (" + e.getClass()
                    .getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")";
        }
        if (a.isRegularFile()) {
            return null;
        }
        if (a.isDirectory()) {
            return FOLDER;
        }
        return "a FIFO, device or socket, not an ordinary file";
    }
}
