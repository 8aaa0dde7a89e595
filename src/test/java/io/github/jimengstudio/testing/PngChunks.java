package io.github.jimengstudio.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** PNG bytes built chunk by chunk, for tests that feed the PNG text reader what no PNG writer would make. */
public final class PngChunks {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    /** The signature and the IHDR of a 1x1 RGB image. */
    public PngChunks() {
        b.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk("IHDR", new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0});
    }

    /** A chunk whose length field is right. */
    public PngChunks chunk(String type, byte[] data) {
        return chunk(type, data, data.length);
    }

    /** A chunk whose length field says {@code declaredLength}, whatever the data's length. */
    public PngChunks chunk(String type, byte[] data, int declaredLength) {
        b.writeBytes(ByteBuffer.allocate(4).putInt(declaredLength).array());
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        b.writeBytes(t);
        b.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return this;
    }

    /** The bytes so far, ended by IEND. */
    public byte[] end() {
        chunk("IEND", new byte[0]);
        return b.toByteArray();
    }
}
