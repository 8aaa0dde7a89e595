package io.github.jimengstudio.provenance;

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

    /** The text chunks of {@code file}, in file order. @throws IOException when it is not a PNG */
    public static List<PngText> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** The text chunks of the PNG in {@code in} (read up to IEND; not closed). */
    public static List<PngText> read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
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
                    PngText t = decode(type, data, name);
                    if (t != null) {
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

    private static PngText decode(String type, byte[] data, String name) throws IOException {
        int nul = indexOf(data, 0);
        if (nul < 1) {
            return null; // no keyword: not a valid text chunk, and nothing we could have written
        }
        String keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        try {
            switch (type) {
                case "tEXt":
                    return new PngText(keyword, new String(data, nul + 1, data.length - nul - 1,
                            StandardCharsets.ISO_8859_1), false);
                case "zTXt":
                    return new PngText(keyword, new String(inflate(data, nul + 2), StandardCharsets.ISO_8859_1),
                            false);
                default: {
                    boolean compressed = data[nul + 1] != 0;
                    int language = indexOf(data, nul + 3);
                    int translated = indexOf(data, language + 1);
                    if (language < 0 || translated < 0) {
                        throw new IOException(name + ": iTXt chunk '" + keyword + "' is malformed");
                    }
                    byte[] body = compressed ? inflate(data, translated + 1)
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

    private static byte[] inflate(byte[] data, int from) throws IOException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, from, data.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException("compressed PNG text ends early");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_TEXT_CHUNK) {
                    throw new IOException("compressed PNG text expands beyond " + MAX_TEXT_CHUNK + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException("compressed PNG text is not valid zlib data", e);
        } finally {
            inflater.end();
        }
    }
}
