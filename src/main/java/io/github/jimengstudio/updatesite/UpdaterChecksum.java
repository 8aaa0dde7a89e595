package io.github.jimengstudio.updatesite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The checksum Fiji's updater (imagej-updater {@code UpdaterUtil.getJarDigest(file, true, true, true)}) records
 * for a {@code .jar} and verifies after every download. It is not the SHA-1 of the file: rebuilding a jar changes
 * its zip timestamps, compression, manifest and the date comment Maven writes into {@code pom.properties}, and the
 * updater must not offer such a rebuild as an update. So it is the SHA-1, as lowercase hex, of every entry
 * (directories too) in the order of {@link String#compareTo} on entry names, each contributing
 * <ul>
 * <li>its name in US-ASCII (a character outside ASCII becomes {@code '?'}), then</li>
 * <li>its uncompressed bytes, except that {@code META-INF/MANIFEST.MF} contributes nothing (the updater's manifest
 * filter keeps only lines whose upper-cased text starts with {@code "Main-Class:"}, which none can), and a
 * {@code *.properties} entry contributes its bytes with comment lines reduced to their newline (see
 * {@link #withoutCommentLines}).</li>
 * </ul>
 * The install path is not part of a jar's checksum, so a renamed jar keeps it.
 */
public final class UpdaterChecksum {
    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private UpdaterChecksum() {}

    /** The updater's checksum of the jar at {@code jar}. */
    public static String ofJar(Path jar) throws IOException {
        MessageDigest sha1 = sha1();
        try (JarFile file = new JarFile(jar.toFile())) {
            List<JarEntry> entries = new ArrayList<>(Collections.list(file.entries()));
            entries.sort(Comparator.comparing(JarEntry::getName)); // stable, like the updater's Collections.sort
            byte[] buffer = new byte[1 << 16];
            for (JarEntry entry : entries) {
                String name = entry.getName();
                sha1.update(name.getBytes(StandardCharsets.US_ASCII));
                if (name.equals(MANIFEST)) {
                    continue;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    if (name.endsWith(".properties")) {
                        sha1.update(withoutCommentLines(in.readAllBytes()));
                    } else {
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            sha1.update(buffer, 0, n);
                        }
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha1.digest());
    }

    /**
     * A {@code .properties} text as the updater hashes it: a line that starts with {@code '#'} becomes just its
     * {@code '\n'} (or nothing when the text ends inside it). Two quirks of the updater's line tracking are part
     * of the checksum and so are reproduced: a line that is empty, or that is only {@code '#'}s, leaves the reader
     * believing it is not at the start of a line, so the line after it is kept even when it is a comment. Only
     * {@code '\n'} ends a line.
     */
    static byte[] withoutCommentLines(byte[] text) {
        byte[] out = new byte[text.length];
        int n = 0;
        boolean atLineStart = true;
        int i = 0;
        while (i < text.length) {
            byte b = text[i];
            if (!atLineStart || b != '#') {
                out[n++] = b;
                atLineStart = atLineStart ? false : b == '\n';
                i++;
                continue;
            }
            int afterHashes = i;
            while (afterHashes < text.length && text[afterHashes] == '#') {
                afterHashes++;
            }
            int newline = afterHashes;
            while (newline < text.length && text[newline] != '\n') {
                newline++;
            }
            if (newline == text.length) {
                break; // a comment running to the end of the text contributes nothing
            }
            out[n++] = '\n';
            atLineStart = newline != afterHashes;
            i = newline + 1;
        }
        return Arrays.copyOf(out, n);
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }
}
