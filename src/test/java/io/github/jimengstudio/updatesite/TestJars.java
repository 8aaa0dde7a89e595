package io.github.jimengstudio.updatesite;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small jars with exactly the entries a test names, in the order it names them. */
final class TestJars {
    private TestJars() {}

    /** Writes {@code entries} (name to content; a name ending in '/' is a directory) to {@code jar}. */
    static Path write(Path jar, Map<String, byte[]> entries, int compression) throws IOException {
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.setLevel(compression);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return jar;
    }
}
