package io.github.jimengstudio.provenance;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.download.FreeSpace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes plain 8-bit RGB PNGs (PNG spec, ISO/IEC 15948): IHDR, the text chunks given, one IDAT, IEND. Written by
 * hand rather than through ImageIO so that text chunks (the provenance record) are exactly what we put there, and
 * nothing else is added. Files are written to a temporary name and moved into place, so a crash never leaves a
 * truncated PNG under the final name.
 */
public final class PngWriter {
    private PngWriter() {}

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** The temporary files {@link #write} leaves only when killed: {@code .NAME.<hex>.part} beside the image. */
    private static final String PART = ".part";
    /** A temporary file younger than this may be another run's write in progress, so it is left alone. */
    static final Duration STALE_AFTER = Duration.ofMinutes(10);

    /** Writes {@code image} to {@code file} with the given text chunks (may be empty). */
    public static void write(GeneratedImage image, Path file, List<PngText> texts) throws IOException {
        write(image.width(), image.height(), image.rgb(), file, texts);
    }

    /** Writes interleaved RGB bytes ({@code width·height·3}) to {@code file}. */
    public static void write(int width, int height, byte[] rgb, Path file, List<PngText> texts) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            removeStaleParts(abs);
        } catch (IOException e) {
            throw new IOException("cannot write " + abs + ": " + reason(e), e);
        }
        // Not Files.createTempFile: its owner-only permissions would stay on the finished image.
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + PART);
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                write(width, height, rgb, out, texts);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the user knows the file they asked for, not our hidden temporary one
            throw new IOException("cannot write " + abs + ": " + reason(e), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Checks, before any work is spent on the image, that {@link #write} can put {@code bytes} at {@code file}: not
     * a folder, not a FIFO or device, not read-only, in a folder that is one (or can be made), where a file can be
     * created, with room for it. Writing can still fail later (the disk fills meanwhile), but not for a reason that
     * was already there.
     *
     * @throws IOException saying what is wrong with the destination, naming it
     */
    public static void checkDestination(Path file, long bytes, FreeSpace space) throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException(abs + " is a folder; name a .png file (in it, or elsewhere)");
        }
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            throw new IOException(abs + " is a FIFO, device or socket, not a file an image can be written to");
        }
        if (Files.isRegularFile(abs) && !Files.isWritable(abs)) {
            throw new IOException(abs + " exists and is read-only; make it writable or choose another name");
        }
        Path dir = abs.getParent();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IOException("cannot write " + abs + ": no folder above it exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new IOException("cannot write " + abs + ": " + existing + " is a file, not a folder");
        }
        if (existing.equals(dir)) {
            // only creating a file tells for sure (read-only mounts, ACLs, /proc); the probe is named as our
            // temporary files are, so a kill right now leaves nothing a later write would not remove
            Path probe = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime())
                    + PART);
            try {
                Files.newOutputStream(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            } catch (IOException e) {
                throw new IOException("cannot write " + abs + ": no file can be created in " + dir + " ("
                        + reason(e) + ")", e);
            } finally {
                Files.deleteIfExists(probe);
            }
        } else if (!Files.isWritable(existing)) {
            throw new IOException("cannot write " + abs + ": its folder would be made in " + existing
                    + ", which is not writable");
        }
        long free = space.usableBytes(existing);
        if (free < bytes) {
            throw new IOException("cannot write " + abs + ": " + megabytes(free) + " free on its disk, and the image "
                    + "may need up to " + megabytes(bytes));
        }
    }

    private static String megabytes(long bytes) {
        return bytes < (1 << 20) ? bytes + " bytes" : (bytes >> 20) + " MB";
    }

    /** Deletes the temporary files of earlier writes of {@code file} that were killed before they finished. */
    static void removeStaleParts(Path file) throws IOException {
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        Pattern ours = Pattern.compile(Pattern.quote("." + file.getFileName() + ".") + "[0-9a-f]{1,16}"
                + Pattern.quote(PART));
        FileTime before = FileTime.from(Instant.now().minus(STALE_AFTER));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> ours.matcher(p.getFileName().toString()).matches())) {
            for (Path p : entries) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile() && a.lastModifiedTime().compareTo(before) < 0) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The most bytes {@link #write} can produce for an image of this size with these texts: incompressible rows
     * in zlib stored blocks (5 bytes of framing each, counted per 16 kB, smaller than zlib makes them), plus the
     * chunks' framing.
     */
    public static long maxBytes(int width, int height, List<PngText> texts) {
        long raw = ((long) width * 3 + 1) * height;
        long text = 0;
        for (PngText t : texts) {
            text += t.keyword().length() + 5 + 4L * t.text().length() + 12;
        }
        return 8 + 25 + raw + raw / 16_000 * 5 + 64 + text + 12 + 12;
    }

    /** The reason of a file-system error without the path it names (FileSystemException puts it first). */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof FileSystemException) {
            return e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(java.util.Locale.ROOT);
        }
        return String.valueOf(e.getMessage());
    }

    /** Writes the PNG bytes to {@code out} (not closed). */
    public static void write(int width, int height, byte[] rgb, OutputStream out, List<PngText> texts)
            throws IOException {
        if (width < 1 || height < 1 || (long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs "
                    + ((long) width * height * 3) + " bytes, got " + rgb.length);
        }
        out.write(SIGNATURE);
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream(13);
        writeInt(ihdr, width);
        writeInt(ihdr, height);
        ihdr.write(8);  // bit depth
        ihdr.write(2);  // colour type: truecolour (RGB)
        ihdr.write(0);  // compression: deflate
        ihdr.write(0);  // filter method 0
        ihdr.write(0);  // no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        for (PngText t : texts) {
            chunk(out, t.international() ? "iTXt" : "tEXt", textData(t));
        }
        chunk(out, "IDAT", compress(width, height, rgb));
        chunk(out, "IEND", new byte[0]);
    }

    private static byte[] textData(PngText t) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(t.keyword().getBytes(StandardCharsets.ISO_8859_1));
        b.write(0);
        if (t.international()) {
            b.write(0); // not compressed
            b.write(0); // compression method
            b.write(0); // empty language tag
            b.write(0); // empty translated keyword
            b.writeBytes(t.text().getBytes(StandardCharsets.UTF_8));
        } else {
            b.writeBytes(t.text().getBytes(StandardCharsets.ISO_8859_1));
        }
        return b.toByteArray();
    }

    /** Scanlines with filter type 1 (Sub): smooth images compress well with it, and it costs one subtraction. */
    private static byte[] compress(int width, int height, byte[] rgb) throws IOException {
        ByteArrayOutputStream z = new ByteArrayOutputStream(rgb.length / 2 + 64);
        Deflater deflater = new Deflater(6);
        try (DeflaterOutputStream d = new DeflaterOutputStream(z, deflater, 1 << 16)) {
            int stride = width * 3;
            byte[] line = new byte[stride + 1];
            line[0] = 1;
            for (int y = 0; y < height; y++) {
                int row = y * stride;
                for (int x = 0; x < stride; x++) {
                    int left = x >= 3 ? rgb[row + x - 3] : 0;
                    line[x + 1] = (byte) (rgb[row + x] - left);
                }
                d.write(line);
            }
        } finally {
            deflater.end();
        }
        return z.toByteArray();
    }

    private static void chunk(OutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream header = new ByteArrayOutputStream(8);
        writeInt(header, data.length);
        out.write(header.toByteArray());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        ByteArrayOutputStream c = new ByteArrayOutputStream(4);
        writeInt(c, (int) crc.getValue());
        out.write(c.toByteArray());
    }

    private static void writeInt(ByteArrayOutputStream b, int v) {
        b.write(v >>> 24);
        b.write(v >>> 16);
        b.write(v >>> 8);
        b.write(v);
    }
}
