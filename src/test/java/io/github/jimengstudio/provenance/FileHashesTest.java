package io.github.jimengstudio.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The A1111 short hashes: what is hashed, how long, and that a file is hashed once while it stays the same. */
class FileHashesTest {

    @TempDir
    Path tmp;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private Path lora(String name, String comment) throws IOException {
        Path file = tmp.resolve(name);
        new SafetensorsWriter().metadata("ss_training_comment", comment)
                .add("transformer.layers.0.attention.to_q.lora_A.weight", DType.F32, new long[] {2, 8}, new float[16])
                .add("transformer.layers.0.attention.to_q.lora_B.weight", DType.F32, new long[] {8, 2}, new float[16])
                .write(file);
        return file;
    }

    @Test
    void aLoraHashIsTwelveHexOfTheSha256OfTheTensorDataAfterTheHeaderAsKohyaAndA1111Compute() throws Exception {
        Path file = lora("a.safetensors", "first");
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String expected = sha256(Arrays.copyOfRange(bytes, (int) (8 + header), bytes.length)).substring(0, 12);
        FileHashes hashes = new FileHashes(null);
        assertEquals(expected, hashes.loraHash(file));
        assertNotEquals(sha256(bytes).substring(0, 12), expected, "not the whole file's");
        // the metadata is not hashed: a renamed or re-captioned copy is the same LoRA to Civitai
        assertEquals(expected, hashes.loraHash(lora("b.safetensors", "another, longer comment")));
    }

    @Test
    void aModelHashIsTenHexOfTheWholeFileAndShardsAreHashedInNameOrder() throws Exception {
        Path one = Files.write(tmp.resolve("model-00001-of-00002.safetensors"), new byte[] {1, 2, 3});
        Path two = Files.write(tmp.resolve("model-00002-of-00002.safetensors"), new byte[] {4, 5});
        FileHashes hashes = new FileHashes(null);
        assertEquals(sha256(new byte[] {1, 2, 3}).substring(0, 10), hashes.modelHash(List.of(one)));
        assertEquals(sha256(new byte[] {1, 2, 3, 4, 5}).substring(0, 10), hashes.modelHash(List.of(two, one)));
    }

    @Test
    void aFileIsHashedOnceAndAgainOnlyWhenItsSizeOrTimeChanges() throws Exception {
        Path cache = tmp.resolve("c").resolve(FileHashes.CACHE_FILE_NAME);
        Path model = Files.write(tmp.resolve("m.safetensors"), new byte[] {7, 7, 7});
        FileTime time = Files.getLastModifiedTime(model);
        String first = new FileHashes(cache).modelHash(List.of(model));
        assertTrue(Files.readString(cache).contains(sha256(new byte[] {7, 7, 7})), Files.readString(cache));

        // same size and time, other bytes: a new FileHashes (a new run) answers from the cache, reading nothing
        Files.write(model, new byte[] {8, 8, 8});
        Files.setLastModifiedTime(model, time);
        FileHashes nextRun = new FileHashes(cache);
        assertTrue(nextRun.modelHashCached(List.of(model)));
        assertEquals(first, nextRun.modelHash(List.of(model)));

        Files.write(model, new byte[] {8, 8, 8, 8});
        assertFalse(nextRun.modelHashCached(List.of(model)));
        assertEquals(sha256(new byte[] {8, 8, 8, 8}).substring(0, 10), nextRun.modelHash(List.of(model)));
    }

    @Test
    void aDamagedCacheIsOnlyAShortcutLost() throws Exception {
        Path cache = Files.writeString(tmp.resolve("hashes.tsv"), "garbage\n\tx\ty\n");
        Path model = Files.write(tmp.resolve("m.bin"), new byte[] {1});
        assertEquals(sha256(new byte[] {1}).substring(0, 10), new FileHashes(cache).modelHash(List.of(model)));
        assertFalse(Files.readString(cache).contains("garbage"), "rewritten whole");
    }
}
