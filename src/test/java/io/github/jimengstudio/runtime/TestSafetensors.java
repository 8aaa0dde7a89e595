package io.github.jimengstudio.runtime;

import io.github.jimengstudio.tensor.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small safetensors files for tests (the project's reader is what is under test elsewhere). */
final class TestSafetensors {
    private final Map<String, Object[]> entries = new LinkedHashMap<>();
    private int headerPad;

    /** Adds float data stored as F32, F16 or BF16 (rounded to nearest even). */
    TestSafetensors floats(String name, String dtype, float[] values, long... shape) {
        int size = dtype.equals("F32") ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case "F32" -> b.putFloat(v);
                case "F16" -> b.putShort(Half.floatToF16(v));
                case "BF16" -> b.putShort(Half.floatToBf16(v));
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        entries.put(name, new Object[] {dtype, shape, b.array()});
        return this;
    }

    TestSafetensors longs(String name, long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        entries.put(name, new Object[] {"I64", shape, b.array()});
        return this;
    }

    /** Extra header bytes, to move the data area off 4-byte alignment. */
    TestSafetensors headerPadding(int bytes) {
        headerPad = bytes;
        return this;
    }

    Path write(Path file) throws IOException {
        StringBuilder json = new StringBuilder("{");
        long at = 0;
        for (Map.Entry<String, Object[]> e : entries.entrySet()) {
            byte[] data = (byte[]) e.getValue()[2];
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue()[0])
                    .append("\",\"shape\":").append(Arrays.toString((long[]) e.getValue()[1]).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(at).append(',').append(at + data.length).append("]}");
            at += data.length;
        }
        json.append('}');
        json.append(" ".repeat((8 - json.length() % 8) % 8)); // as writers do: data area 8-byte aligned
        json.append(" ".repeat(headerPad));
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + (int) at).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (Object[] v : entries.values()) {
            out.put((byte[]) v[2]);
        }
        Files.write(file, out.array());
        return file;
    }
}
