package io.github.jimengstudio.provenance;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngDestinationTest {

    @TempDir
    Path dir;

    @Test
    void staleTemporaryFilesOfThisImageAreRemovedOnTheNextWriteAndNothingElse() throws IOException {
        Path out = dir.resolve("out.png");
        FileTime old = FileTime.from(Instant.now().minus(PngWriter.STALE_AFTER).minusSeconds(60));
        Path stale = Files.writeString(dir.resolve(".out.png.1a2b3c.part"), "killed mid-write");
        Files.setLastModifiedTime(stale, old);
        Path young = Files.writeString(dir.resolve(".out.png.4d5e.part"), "another run writing right now");
        Path otherImage = Files.writeString(dir.resolve(".other.png.1a2b3c.part"), "not ours to judge");
        Files.setLastModifiedTime(otherImage, old);
        Path lookalike = Files.writeString(dir.resolve(".out.png.notes.part"), "not a name we write");
        Files.setLastModifiedTime(lookalike, old);

        PngWriter.write(1, 1, new byte[3], out, List.of());

        assertTrue(Files.isRegularFile(out));
        assertFalse(Files.exists(stale), "the killed write's leftover is gone");
        assertTrue(Files.exists(young) && Files.exists(otherImage) && Files.exists(lookalike));
    }

    @Test
    void aFullDiskIsFoundBeforeTheWorkNamingTheFileAndTheSpace() throws IOException {
        Path out = dir.resolve("fox.png");
        long need = PngWriter.maxBytes(1024, 1024, List.of());
        IOException e = assertThrows(IOException.class, () -> PngWriter.checkDestination(out, need, f -> 500_000));
        assertMentions(e, "cannot write " + out + ": 500000 bytes free on its disk, and the image may need up to 3 MB");
        noFileIn(dir);
    }

    @Test
    void theSizeBoundHoldsForIncompressibleNoise() throws IOException {
        byte[] rgb = new byte[300 * 200 * 3];
        new Random(5).nextBytes(rgb);
        List<PngText> texts = List.of(PngText.utf8("jimeng.record", "雪".repeat(1000)), PngText.latin1("parameters",
                "x".repeat(500)));
        Path out = dir.resolve("noise.png");
        PngWriter.write(300, 200, rgb, out, texts);
        long size = Files.size(out);
        long bound = PngWriter.maxBytes(300, 200, texts);
        assertTrue(size <= bound && bound < size * 11 / 10, size + " bytes against the bound " + bound);
    }

    @Test
    void aFailedWriteNamesTheImageNotTheHiddenTemporaryFile() {
        Path out = Path.of("/proc/jimeng-test.png");
        IOException e = assertThrows(IOException.class, () -> PngWriter.write(1, 1, new byte[3], out, List.of()));
        assertTrue(e.getMessage().startsWith("cannot write /proc/jimeng-test.png: "), e.getMessage());
        assertFalse(e.getMessage().contains(".part"), e.getMessage());
    }

    /** The check leaves nothing behind, not even its probe. */
    @Test
    void checkingAGoodDestinationLeavesNothingBehind() throws IOException {
        PngWriter.checkDestination(dir.resolve("fine.png"), 1000, f -> Long.MAX_VALUE);
        noFileIn(dir);
    }

    private static void noFileIn(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.toList());
        }
    }
}
