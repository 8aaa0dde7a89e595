package io.github.jimengstudio.provenance;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The short hashes AUTOMATIC1111 writes into {@code parameters} and Civitai and other readers use to link an image
 * to the resources it was made with, computed once per file and kept in a small cache file: hashing a 12 GB
 * transformer takes a minute, so the cache is keyed by path, size and modification time, and a replaced file is
 * hashed again.
 *
 * <ul>
 *   <li>{@code Model hash}: A1111's {@code calculate_sha256} of the checkpoint file, first 10 hex digits (Civitai's
 *       "AutoV2"). Z-Image's checkpoint is the transformer: a ComfyUI single file gives exactly A1111's hash. A
 *       diffusers folder holds it in shards, for which no tool defines a hash: we hash the shards' bytes one after
 *       the other in file-name order (the sha256 of {@code cat} of the shards), stable for the same weights.</li>
 *   <li>{@code Lora hashes}: A1111's {@code NetworkOnDisk.shorthash}, first 12 hex digits of
 *       {@code sha256_from_cache(..., use_addnet_hash=True)} for a {@code .safetensors} file, i.e. kohya's
 *       {@code addnet_hash_safetensors}: the sha256 of the bytes after the header (Civitai's "AutoV3"), so editing
 *       the metadata does not change it. Other files: the whole file.</li>
 * </ul>
 */
public final class FileHashes {
    /** What of a file is hashed. */
    public enum Kind {
        /** Every byte: A1111's {@code calculate_sha256}. */
        WHOLE_FILE,
        /** The bytes after a safetensors file's 8-byte length and JSON header: kohya's addnet hash. */
        SAFETENSORS_DATA
    }

    public static final int MODEL_HASH_LENGTH = 10;
    public static final int LORA_HASH_LENGTH = 12;

    /** Where the sums are kept between runs, or null to keep them for this object's life only. */
    private final Path cacheFile;
    private final Map<String, String[]> cache = new LinkedHashMap<>();

    /** @param cacheFile the cache to read and extend, or null for none (a missing or unreadable one is empty) */
    public FileHashes(Path cacheFile) {
        this.cacheFile = cacheFile;
        if (cacheFile != null && Files.isRegularFile(cacheFile)) {
            try {
                for (String line : Files.readAllLines(cacheFile, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t", -1);
                    if (f.length == 4) { // kind, stamp, sha256, paths; anything else is a damaged line: hashed again
                        cache.put(f[0] + '\t' + f[3], new String[] {f[1], f[2]});
                    }
                }
            } catch (IOException e) {
                cache.clear(); // a cache is only a shortcut
            }
        }
    }

    /** The cache file's name in the project's cache folder ({@code TorchRuntime.cacheRoot}). */
    public static final String CACHE_FILE_NAME = "file-hashes.tsv";

    /** The A1111 {@code Model hash} of a checkpoint held in these files (one, or shards). */
    public String modelHash(List<Path> files) throws IOException {
        return sha256(inNameOrder(files), Kind.WHOLE_FILE).substring(0, MODEL_HASH_LENGTH);
    }

    /** True when {@link #modelHash} of these files reads none of them. */
    public boolean modelHashCached(List<Path> files) {
        return isCached(inNameOrder(files), Kind.WHOLE_FILE);
    }

    /** Shards in file-name order ({@code -00001-of-00003} first), whatever order an index listed them in. */
    private static List<Path> inNameOrder(List<Path> files) {
        List<Path> inOrder = new ArrayList<>(files);
        inOrder.sort(null);
        return inOrder;
    }

    /** The A1111 {@code Lora hashes} value of a LoRA file. */
    public String loraHash(Path file) throws IOException {
        boolean safetensors = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
        return sha256(List.of(file), safetensors ? Kind.SAFETENSORS_DATA : Kind.WHOLE_FILE)
                .substring(0, LORA_HASH_LENGTH);
    }

    /** True when {@link #sha256} of these files will come from the cache (no file read). */
    public synchronized boolean isCached(List<Path> files, Kind kind) {
        String[] hit = cache.get(key(files, kind));
        try {
            return hit != null && hit[0].equals(stamp(files));
        } catch (IOException e) {
            return false;
        }
    }

    /** The full sha256 (64 hex digits) of the files' bytes one after the other, from the cache when unchanged. */
    public synchronized String sha256(List<Path> files, Kind kind) throws IOException {
        String key = key(files, kind);
        String stamp = stamp(files);
        String[] hit = cache.get(key);
        if (hit != null && hit[0].equals(stamp)) {
            return hit[1];
        }
        MessageDigest sha = sha256();
        for (Path f : files) {
            digest(sha, f, kind);
        }
        String sum = HexFormat.of().formatHex(sha.digest());
        if (!stamp.equals(stamp(files))) { // changed while it was read: the sum is of neither version
            throw new IOException("changed while it was hashed: " + files);
        }
        cache.put(key, new String[] {stamp, sum});
        save();
        return sum;
    }

    private static void digest(MessageDigest sha, Path file, Kind kind) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (kind == Kind.SAFETENSORS_DATA) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                while (length.hasRemaining() && ch.read(length) >= 0) {
                    // read the 8-byte header length
                }
                long headerBytes = length.hasRemaining() ? ch.size() : length.flip().getLong();
                ch.position(Math.min(ch.size(), 8 + Math.max(0, headerBytes)));
            }
            InputStream in = Channels.newInputStream(ch);
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
    }

    private static String key(List<Path> files, Kind kind) {
        List<String> paths = new ArrayList<>();
        for (Path f : files) {
            paths.add(f.toAbsolutePath().normalize().toString());
        }
        return kind + "\t" + String.join("|", paths);
    }

    /** Size and modification time of each file: what changes when a file is replaced or re-downloaded. */
    private static String stamp(List<Path> files) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path f : files) {
            sb.append(sb.length() > 0 ? ";" : "").append(Files.size(f)).append(',')
                    .append(Files.getLastModifiedTime(f).toMillis());
        }
        return sb.toString();
    }

    /** Writes the cache whole, to a temporary file moved into place, so a reader never sees half of it. */
    private void save() {
        if (cacheFile == null) {
            return;
        }
        try {
            Files.createDirectories(cacheFile.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(cacheFile.toAbsolutePath().getParent(), "file-hashes", ".part");
            try {
                write(tmp);
                Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // only a shortcut: without it the next run hashes again
        }
    }

    private void write(Path tmp) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String[]> e : cache.entrySet()) {
                String[] kindAndPaths = e.getKey().split("\t", 2);
                if (kindAndPaths[1].contains("\n") || kindAndPaths[1].contains("\t")) {
                    continue; // a name the line format cannot hold: hashed again next time
                }
                w.write(kindAndPaths[0] + '\t' + e.getValue()[0] + '\t' + e.getValue()[1] + '\t' + kindAndPaths[1]
                        + '\n');
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
