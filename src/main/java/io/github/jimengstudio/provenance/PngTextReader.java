package io.github.jimengstudio.provenance;

import io.github.jimengstudio.tensor.FileKind;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the text chunks ({@code tEXt}, {@code zTXt}, {@code iTXt}) of a PNG, the counterpart of {@link PngWriter}.
 * ImageIO would do it too, but through a metadata tree that differs between JDKs; the chunk layout is short and fixed
 * (PNG spec 11.3.4). Pixel data is skipped, never decoded.
 */
public final class PngTextReader {
    private PngTextReader() {}

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    /** A text chunk larger than this is not provenance (a record is a few kB). */
    private static final int MAX_TEXT_CHUNK = 16 << 20;
    /**
     * All text read from one image, inflated: a few chunks of the largest size, no more. Without it, 700 zTXt
     * chunks of 16 MB each (a few kB each on disk) filled the heap.
     */
    static final long MAX_TOTAL_TEXT = 4L * MAX_TEXT_CHUNK;

    /** The text chunks of {@code file}, in file order. @throws IOException when it is not a PNG */
    public static List<PngText> read(Path file) throws IOException {
        return read(file, keyword -> true);
    }

    /**
     * The text chunks of {@code file} whose keyword {@code wanted} accepts, in file order; the others are skipped
     * without being decompressed. @throws IOException when it is not a PNG
     */
    public static List<PngText> read(Path file, Predicate<String> wanted) throws IOException {
        String kind = FileKind.notOrdinary(file);
        if (kind != null && !kind.equals(FileKind.NOT_FOUND)) { // a FIFO would block the read until someone writes to it
            throw new IOException(file + " is " + kind);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), wanted);
        }
    }

    /** The text chunks of the PNG in {@code in} (read up to IEND; not closed). */
    public static List<PngText> read(InputStream stream, String name) throws IOException {
        return read(stream, name, keyword -> true);
    }

    /** The text chunks of the PNG in {@code in} that {@code wanted} accepts (read up to IEND; not closed). */
    public static List<PngText> read(InputStream stream, String name, Predicate<String> wanted) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        long total = 0;
        byte[] signature = in.readNBytes(8);
        if (!Arrays.equals(SIGNATURE, signature)) {
            throw new IOException(name + " is not a PNG file (no PNG signature)");
        }
        List<PngText> texts = new ArrayList<>();
        try {
            while (true) {
                int length = in.readInt();
                String type = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
                if (length < 0) {
                    throw new IOException(name + ": chunk " + type + " has a negative length");
                }
                boolean text = type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt");
                if (text && length <= MAX_TEXT_CHUNK) {
                    byte[] data = in.readNBytes(length);
                    if (data.length < length) {
                        throw new EOFException();
                    }
                    PngText t = decode(type, data, name, wanted);
                    if (t != null) {
                        total += t.text().length();
                        if (total > MAX_TOTAL_TEXT) {
                            throw new IOException(name + " holds more than " + (MAX_TOTAL_TEXT >> 20) + " MB of "
                                    + "text in its text chunks; that is not provenance (a record is a few kB)");
                        }
                        texts.add(t);
                    }
                } else {
                    in.skipNBytes(length);
                }
                in.readInt(); // CRC: a damaged chunk shows as a bad record, which the record's parser reports
                if (type.equals("IEND")) {
                    return texts;
                }
            }
        } catch (EOFException e) {
            throw new IOException(name + " ends before its IEND chunk (truncated PNG)", e);
        }
    }

    private static PngText decode(String type, byte[] data, String name, Predicate<String> wanted)
            throws IOException {
        int nul = indexOf(data, 0);
        if (nul < 1) {
            return null; // no keyword: not a valid text chunk, and nothing we could have written
        }
        String keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        if (!wanted.test(keyword)) {
            return null; // not inflated: text nobody asked for costs no memory
        }
        try {
            switch (type) {
                case "tEXt":
                    return new PngText(keyword, new String(data, nul + 1, data.length - nul - 1,
                            StandardCharsets.ISO_8859_1), false);
                case "zTXt": {
                    String text = new String(inflate(data, nul + 2, name + ": zTXt chunk '" + keyword + "'"),
                            StandardCharsets.ISO_8859_1);
                    return new PngText(keyword, text, false);
                }
                default: {
                    boolean compressed = data[nul + 1] != 0;
                    int language = indexOf(data, nul + 3);
                    int translated = indexOf(data, language + 1);
                    if (language < 0 || translated < 0) {
                        throw new IOException(name + ": iTXt chunk '" + keyword + "' is malformed");
                    }
                    byte[] body = compressed ? inflate(data, translated + 1, name + ": iTXt chunk '" + keyword + "'")
                            : Arrays.copyOfRange(data, translated + 1, data.length);
                    return new PngText(keyword, new String(body, StandardCharsets.UTF_8), true);
                }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new IOException(name + ": " + type + " chunk '" + keyword + "' is malformed", e);
        }
    }

    private static int indexOf(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] inflate(byte[] data, int from, String chunk) throws IOException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, from, data.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException(chunk + ": its compressed text ends early");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_TEXT_CHUNK) {
                    throw new IOException(chunk + ": its compressed text expands beyond " + (MAX_TEXT_CHUNK >> 20)
                            + " MB; that is not provenance (a record is a few kB)");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException(chunk + ": its compressed text is not valid zlib data", e);
        } finally {
            inflater.end();
        }
    }
}
