package io.github.jimengstudio.provenance;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.jimengstudio.testing.PngChunks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNGs made to hurt the reader of {@code --from} and Regenerate: each must be refused with a message, quickly. */
class HostilePngTest {

    @TempDir
    Path dir;

    /** A 1x1 PNG's bytes with the given chunks (type, data) between IHDR and IEND. */
    static byte[] png(List<Object[]> chunks) {
        PngChunks png = new PngChunks();
        for (Object[] c : chunks) {
            png.chunk((String) c[0], (byte[]) c[1]);
        }
        return png.end();
    }

    /** An uncompressed iTXt chunk's data. */
    static byte[] itxt(String keyword, String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(new byte[] {0, 0, 0, 0, 0});
        b.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    @Test
    void aRecordNested100000DeepIsRefusedAsUnreadableProvenance() throws IOException {
        Path file = Files.write(dir.resolve("deep.png"), png(List.<Object[]>of(
                new Object[] {"iTXt", itxt(ProvenanceCodec.RECORD_KEY, "[".repeat(100_000) + "]".repeat(100_000))})));
        ProvenanceException e = assertThrows(ProvenanceException.class, () -> ProvenanceCodec.requestFromPng(file));
        assertMentions(e, "jimeng.record", "cannot be read", "nests JSON deeper than 64 levels");
    }

    /** A zTXt chunk's data whose text is {@code bytes} zero bytes, deflated (16 MB deflate to ~16 kB). */
    static byte[] ztxtOfZeros(String keyword, int bytes) {
        Deflater d = new Deflater(9);
        d.setInput(new byte[bytes]);
        d.finish();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(new byte[] {0, 0});
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) {
            b.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return b.toByteArray();
    }

    /** 700 zTXt chunks of about 16 kB each, inflating to 16 MB each: 11 GB of text from a 11 MB file. */
    private static List<Object[]> bomb() {
        byte[] bomb = ztxtOfZeros("Comment", (16 << 20) - 1);
        List<Object[]> chunks = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            chunks.add(new Object[] {"zTXt", bomb});
        }
        return chunks;
    }

    @Test
    void manyZtxtChunksInflatingTo16MbEachAreRefusedAtTheTotalCapNotByRunningOutOfMemory() throws IOException {
        List<Object[]> chunks = bomb();
        Path file = Files.write(dir.resolve("bomb.png"), png(chunks));
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(IOException.class, () -> PngTextReader.read(file)));
        assertMentions(e, file.toString(), "more than 64 MB of text");
    }

    @Test
    void settingsAreReadFromABombedPngWithoutInflatingTheChunksTheyDoNotNeed() throws IOException {
        List<Object[]> chunks = bomb();
        chunks.add(new Object[] {"tEXt", ("parameters\0a fox\nSteps: 4, CFG scale: 0, Seed: 7, Size: 256x256")
                .getBytes(StandardCharsets.ISO_8859_1)});
        Path file = Files.write(dir.resolve("bomb-with-settings.png"), png(chunks));
        assertEquals(Long.valueOf(7), ProvenanceCodec.requestFromPng(file).seed());
        assertEquals(List.of("parameters"), ProvenanceCodec.readSettingsChunks(file).stream()
                .map(PngText::keyword).toList());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> ProvenanceCodec.readSettingsChunks(file));
    }

    @Test
    void oneChunkInflatingBeyond16MbIsRefusedNamingTheFileAndTheChunk() throws IOException {
        Path file = Files.write(dir.resolve("big.png"), png(List.<Object[]>of(
                new Object[] {"zTXt", ztxtOfZeros(ProvenanceCodec.PARAMETERS_KEYWORD, (16 << 20) + 10)})));
        IOException e = assertThrows(IOException.class, () -> ProvenanceCodec.requestFromPng(file));
        assertMentions(e, file.toString(), "zTXt chunk 'parameters'", "expands beyond 16 MB");
    }

    @Test
    void parametersWithAHugeQuotedValueAreReadWithoutOverflowingTheStack() {
        String settings = "a fox\nSteps: 4, Seed: 7, Size: 256x256, Model: \"" + "x\\\"".repeat(100_000)
                + "\", Loras: \"" + "y".repeat(200_000) + ":0.5\"";
        assertEquals(Long.valueOf(7), A1111Parameters.parse(settings).seed());
        assertEquals("y".repeat(200_000), A1111Parameters.parse(settings).loras().get(0).name());
    }

    @Test
    void aFromImageThatIsAFifoOrAFolderIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fox.png");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IOException.class, () -> ProvenanceCodec.requestFromPng(fifo)));
        assertMentions(e, fifo + " is a FIFO, device or socket, not an ordinary file");
        assertMentions(assertThrows(IOException.class, () -> PngTextReader.read(dir)), dir + " is a folder");
    }
}
