package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What kind of thing a path names, so that a file we are about to read is known to be an ordinary file first:
 * opening a FIFO blocks until some other program writes to it, and a device such as {@code /dev/zero} never ends.
 * Neither can be a model file, and "not found" would be the wrong thing to tell the user about them.
 */
public final class FileKind {
    private FileKind() {}

    /**
     * Null when {@code file} is an ordinary file (links followed), else what it is instead, as words for a message:
     * "not found", "a folder", "a FIFO, device or socket, not an ordinary file".
     */
    public static String notOrdinary(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? "a link to nothing (or unreadable: " + e.getMessage()
                    + ")" : "not found";
        }
        if (a.isRegularFile()) {
            return null;
        }
        if (a.isDirectory()) {
            return "a folder";
        }
        return "a FIFO, device or socket, not an ordinary file";
    }
}
