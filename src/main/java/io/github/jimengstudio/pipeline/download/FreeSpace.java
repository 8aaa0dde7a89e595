package io.github.jimengstudio.pipeline.download;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How many bytes can still be written under a folder (a probe, so tests can pretend a disk is full). */
@FunctionalInterface
public interface FreeSpace {
    /** Usable bytes on the file system that holds {@code folder} (which may not exist yet). */
    long usableBytes(Path folder) throws IOException;

    /** The file system's own answer, asked of the nearest folder that exists. */
    static FreeSpace fileSystem() {
        return folder -> {
            Path p = folder.toAbsolutePath();
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            if (p == null) {
                throw new IOException("no existing folder above " + folder);
            }
            return Files.getFileStore(p).getUsableSpace();
        };
    }
}
