package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void shardedTransformerFolderEqualsTheUnshardedGoldenFileBitForBit() throws Exception {
        try (WeightSource sharded = WeightSources.open(Golden.file("e2e-tiny/model/transformer"));
                SafetensorsFile whole = SafetensorsFile.open(
                        Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"))) {
            ShardedSafetensors s = assertInstanceOf(ShardedSafetensors.class, sharded);
            assertEquals(2, s.shardFiles().size());
            assertEquals("7530496", s.metadata().get("total_size"));
            assertEquals(whole.names(), sharded.names());
            assertEquals(101, sharded.names().size());
            long bytes = 0;
            for (String name : whole.names()) {
                TensorInfo a = sharded.info(name);
                TensorInfo b = whole.info(name);
                assertEquals(b.dtype(), a.dtype(), name);
                assertArrayEquals(b.shape(), a.shape(), name);
                assertEquals(whole.data(name), sharded.data(name), name); // ByteBuffer.equals: every byte
                bytes += a.byteLength();
            }
            assertEquals(7_530_496L, bytes);
            // the split is inside context_refiner.1, as README-e2e §2.5 says
            assertTrue(s.shardOf("context_refiner.1.feed_forward.w3.weight").toString()
                    .endsWith("-00002-of-00002.safetensors"));
            assertTrue(s.shardOf("context_refiner.0.feed_forward.w3.weight").toString()
                    .endsWith("-00001-of-00002.safetensors"));
        }
    }

    @Test
    void shardedTextEncoderIsTheGoldenTextEncoderRoundedToBf16WithLayerZeroSplit() throws Exception {
        try (WeightSource sharded = WeightSources.open(Golden.file("e2e-tiny/model/text_encoder"));
                SafetensorsFile f32 = SafetensorsFile.open(Golden.file("text-encoder-tiny/model.safetensors"))) {
            ShardedSafetensors s = assertInstanceOf(ShardedSafetensors.class, sharded);
            assertEquals(f32.names(), sharded.names());
            assertEquals(35, sharded.names().size());
            for (String name : f32.names()) {
                TensorInfo info = sharded.info(name);
                assertEquals(DType.BF16, info.dtype(), name);
                assertArrayEquals(f32.info(name).shape(), info.shape(), name);
                float[] full = f32.floats(name);
                ByteBuffer stored = sharded.data(name).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < full.length; i++) {
                    assertEquals(Half.floatToBf16(full[i]), stored.getShort(2 * i), name + "[" + i + "]");
                }
            }
            Path first = s.shardOf("model.layers.0.self_attn.q_proj.weight");
            Path second = s.shardOf("model.layers.0.mlp.down_proj.weight");
            assertTrue(first.toString().endsWith("model-00001-of-00002.safetensors"), first.toString());
            assertTrue(second.toString().endsWith("model-00002-of-00002.safetensors"), second.toString());
            // the widening load path gives the same floats as the exact scalar upcast
            String name = "model.embed_tokens.weight";
            ByteBuffer dst = ByteBuffer.allocateDirect(4 * (int) sharded.info(name).numel())
                    .order(ByteOrder.LITTLE_ENDIAN);
            sharded.readFloats(name, 0, dst);
            float[] viaArray = sharded.floats(name);
            float[] reference = f32.floats(name);
            for (int i = 0; i < viaArray.length; i++) {
                assertEquals(Float.floatToRawIntBits(viaArray[i]), dst.getInt(4 * i));
                assertEquals(Half.bf16ToFloat(Half.floatToBf16(reference[i])), viaArray[i]);
            }
        }
    }

    private Path shard(String file, String... names) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String n : names) {
            w.add(n, DType.F32, new long[] {2}, new float[] {n.length(), 1});
        }
        Path p = dir.resolve(file);
        w.write(p);
        return p;
    }

    private Path index(String json) throws Exception {
        Path p = dir.resolve("model.safetensors.index.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void aTensorInAShardButNotInTheWeightMapIsExposedAsHuggingFaceLoadsIt() throws Exception {
        shard("a.safetensors", "x", "extra");
        shard("b.safetensors", "y");
        try (ShardedSafetensors s = ShardedSafetensors.open(
                index("{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"b.safetensors\"}}"))) {
            assertEquals(List.of("x", "y", "extra"), List.copyOf(s.names()));
            assertArrayEquals(new float[] {5, 1}, s.floats("extra"));
            assertTrue(s.metadata().isEmpty());
            WeightFileException e = assertThrows(WeightFileException.class, () -> s.info("z"));
            assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("not in this checkpoint"));
        }
    }

    @Test
    void aTensorInTwoShardsIsRefusedEvenWhenTheIndexPicksOne() throws Exception {
        shard("a.safetensors", "x", "y");
        shard("b.safetensors", "y");
        Path idx = index("{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"b.safetensors\"}}");
        WeightFileException e = assertThrows(WeightFileException.class, () -> ShardedSafetensors.open(idx));
        assertTrue(e.getMessage().contains(idx.toString()) && e.getMessage().contains("'y'")
                && e.getMessage().contains("two shards"), e.getMessage());
    }

    @Test
    void weightSourcesOpensAFileAnIndexOrAFolderAndRefusesAmbiguousFolders() throws Exception {
        Path single = shard("only.safetensors", "w");
        try (WeightSource s = WeightSources.open(single)) {
            assertInstanceOf(SafetensorsFile.class, s);
        }
        try (WeightSource s = WeightSources.open(dir)) {
            assertEquals(single, ((SafetensorsFile) s).path());
        }
        shard("model-00001-of-00002.safetensors", "a");
        WeightFileException e = assertThrows(WeightFileException.class, () -> WeightSources.open(dir));
        assertTrue(e.getMessage().contains("several .safetensors files") && e.getMessage().contains("index"),
                e.getMessage());
        Path idx = index("{\"metadata\": {\"total_size\": 8, \"note\": {\"k\": [1]}}, "
                + "\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\"}}");
        try (WeightSource s = WeightSources.open(dir)) {
            assertEquals(idx, ((ShardedSafetensors) s).indexFile());
            assertEquals("8", s.metadata().get("total_size"));
            assertEquals("{\"k\":[1]}", s.metadata().get("note"));
        }
        try (WeightSource s = WeightSources.open(idx)) {
            assertEquals(List.of("a"), List.copyOf(s.names()));
        }
        Files.writeString(dir.resolve("other.safetensors.index.json"), "{}");
        e = assertThrows(WeightFileException.class, () -> WeightSources.open(dir));
        assertTrue(e.getMessage().contains("several checkpoint indexes"), e.getMessage());
        for (String pickle : List.of("pytorch_model.bin", "model.ckpt", "pytorch_model.bin.index.json")) {
            Path p = dir.resolve(pickle);
            Files.write(p, new byte[64]);
            e = assertThrows(WeightFileException.class, () -> WeightSources.open(p));
            assertTrue(e.getMessage().startsWith(p.toString()) && e.getMessage().contains("pickle"), e.getMessage());
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        e = assertThrows(WeightFileException.class, () -> WeightSources.open(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("no .safetensors"));
    }
}
