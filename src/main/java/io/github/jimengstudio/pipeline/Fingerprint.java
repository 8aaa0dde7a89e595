package io.github.jimengstudio.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A short digest of files' names, sizes and modification times. Hashing the contents of tens of gigabytes on every
 * start would take minutes; a replaced or re-downloaded file changes its size or time, which is what a cache key
 * and a provenance record need to notice.
 */
final class Fingerprint {
    private Fingerprint() {}

    /** 16 hex digits over the files, named relative to {@code root} when inside it; order does not matter. */
    static String of(Path root, List<Path> files) {
        List<String> lines = new ArrayList<>();
        for (Path f : files) {
            String name = f.startsWith(root) ? root.relativize(f).toString().replace('\\', '/') : f.toString();
            String size;
            String time;
            try {
                size = Long.toString(Files.size(f));
                time = Long.toString(Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                size = "?";
                time = "?";
            }
            lines.add(name + '\t' + size + '\t' + time);
        }
        lines.sort(null);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String line : lines) {
                sha.update(line.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
