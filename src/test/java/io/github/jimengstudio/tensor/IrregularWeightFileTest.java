package io.github.jimengstudio.tensor;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A weight file that is a FIFO or a device: refused by what it is, never read (a FIFO would block the open). */
class IrregularWeightFileTest {

    @TempDir
    Path dir;

    private Path fifo(String name) throws Exception {
        Path p = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
        return p;
    }

    @Test
    void aFifoIsRefusedAsNotAnOrdinaryFileWithoutBlocking() throws Exception {
        Path fifo = fifo("model.safetensors");
        WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WeightFileException.class, () -> SafetensorsFile.open(fifo)));
        assertMentions(e, fifo.toString(), "FIFO, device or socket", "must be an ordinary file");
    }

    @Test
    void aShardThatIsAFifoOrADeviceIsNamedAsSuchNotAsMissing() throws Exception {
        fifo("a-00001-of-00002.safetensors");
        Files.createSymbolicLink(dir.resolve("a-00002-of-00002.safetensors"), Path.of("/dev/zero"));
        Path index = Files.writeString(dir.resolve("a.safetensors.index.json"), "{\"weight_map\": {"
                + "\"x\": \"a-00001-of-00002.safetensors\", \"y\": \"a-00002-of-00002.safetensors\"}}");
        WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WeightFileException.class, () -> ShardedSafetensors.open(index)));
        assertMentions(e, "a-00001-of-00002.safetensors, which is a FIFO, device or socket");
        assertFalse(e.getMessage().contains("not found"), e.getMessage());
        Files.delete(dir.resolve("a-00001-of-00002.safetensors"));
        Files.write(dir.resolve("a-00001-of-00002.safetensors"), new byte[0]);
        WeightFileException device = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WeightFileException.class, () -> ShardedSafetensors.open(index)));
        assertMentions(device, "a-00002-of-00002.safetensors, which is a FIFO, device or socket");
    }

    @Test
    void anIndexThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
        Path index = fifo("b.safetensors.index.json");
        WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WeightFileException.class, () -> ShardedSafetensors.open(index)));
        assertMentions(e, "index is a FIFO, device or socket");
    }
}
