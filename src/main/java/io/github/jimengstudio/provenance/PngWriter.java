package io.github.jimengstudio.provenance;

import io.github.jimengstudio.pipeline.GeneratedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
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

    /** Writes {@code image} to {@code file} with the given text chunks (may be empty). */
    public static void write(GeneratedImage image, Path file, List<PngText> texts) throws IOException {
        write(image.width(), image.height(), image.rgb(), file, texts);
    }

    /** Writes interleaved RGB bytes ({@code width·height·3}) to {@code file}. */
    public static void write(int width, int height, byte[] rgb, Path file, List<PngText> texts) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // Not Files.createTempFile: its owner-only permissions would stay on the finished image.
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
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
        } finally {
            Files.deleteIfExists(tmp);
        }
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
