package io.github.jimengstudio.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngWriterTest {

    @Test
    void pixelsReadBackExactlyThroughImageIo(@TempDir Path dir) throws IOException {
        int w = 37;
        int h = 19;
        byte[] rgb = new byte[w * h * 3];
        new Random(5).nextBytes(rgb);
        Path file = dir.resolve("sub/out.png");
        PngWriter.write(w, h, rgb, file, List.of());
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                int expected = (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
                assertEquals(expected, img.getRGB(x, y) & 0xFFFFFF, "pixel " + x + "," + y);
            }
        }
        try (var s = Files.list(file.getParent())) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void textChunksComeAfterTheHeaderInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PngWriter.write(1, 1, new byte[3], out, List.of(PngText.latin1("parameters", "seed 42"),
                PngText.utf8("jimeng", "prompt 水彩")));
        List<String> types = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
        in.skipNBytes(8);
        while (in.available() > 0) {
            int len = in.readInt();
            byte[] type = in.readNBytes(4);
            types.add(new String(type, StandardCharsets.US_ASCII));
            data.add(in.readNBytes(len));
            in.readInt();
        }
        assertEquals(List.of("IHDR", "tEXt", "iTXt", "IDAT", "IEND"), types);
        assertEquals("parameters\0seed 42", new String(data.get(1), StandardCharsets.ISO_8859_1));
        assertEquals("jimeng\0\0\0\0\0prompt 水彩", new String(data.get(2), StandardCharsets.UTF_8));
        assertEquals(1, ImageIO.read(new ByteArrayInputStream(out.toByteArray())).getWidth());
    }

    @Test
    void badSizesAndKeywordsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PngWriter.write(2, 2, new byte[11], new ByteArrayOutputStream(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> PngText.latin1("", "x"));
        assertThrows(IllegalArgumentException.class, () -> PngText.latin1("k", "水"));
    }
}
