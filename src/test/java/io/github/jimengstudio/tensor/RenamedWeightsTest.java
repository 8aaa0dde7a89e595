package io.github.jimengstudio.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenamedWeightsTest {

    @TempDir
    Path dir;

    /** README-extra §2's table, inverted: enough to show that renames and row slices are bit-exact views. */
    private static RenamedWeights comfyToDiffusers(WeightSource comfy) throws WeightFileException {
        RenamedWeights.Builder b = RenamedWeights.builder(comfy, "ComfyUI names");
        for (String n : comfy.names()) {
            if (n.endsWith(".attention.qkv.weight")) {
                String blk = n.substring(0, n.length() - "qkv.weight".length());
                long dim = comfy.info(n).dim(0) / 3;
                b.rows(n, 0, dim, blk + "to_q.weight").rows(n, dim, dim, blk + "to_k.weight")
                        .rows(n, 2 * dim, dim, blk + "to_v.weight");
            } else if (n.endsWith(".attention.out.weight")) {
                b.rename(n, n.replace(".attention.out.", ".attention.to_out.0."));
            } else if (n.endsWith(".attention.q_norm.weight") || n.endsWith(".attention.k_norm.weight")) {
                b.rename(n, n.replace("q_norm", "norm_q").replace("k_norm", "norm_k"));
            } else if (n.startsWith("x_embedder.")) {
                b.rename(n, "all_x_embedder.2-1." + n.substring("x_embedder.".length()));
            } else if (n.startsWith("final_layer.")) {
                b.rename(n, "all_final_layer.2-1." + n.substring("final_layer.".length()));
            } else if (!n.equals("norm_final.weight")) { // defined by ComfyUI's class, unused by Z-Image
                b.rename(n, n);
            }
        }
        return b.build();
    }

    private static void assertSameTensors(WeightSource expected, WeightSource actual) throws Exception {
        assertEquals(expected.names().size(), actual.names().size());
        for (String name : expected.names()) {
            assertEquals(expected.info(name).dtype(), actual.info(name).dtype(), name);
            assertArrayEquals(expected.info(name).shape(), actual.info(name).shape(), name);
            assertEquals(expected.data(name), actual.data(name), name);
        }
    }

    @Test
    void comfyTransformerSeenThroughItsTableEqualsTheDiffusersFileBitForBit() throws Exception {
        try (SafetensorsFile diffusers = SafetensorsFile.open(
                        Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                RenamedWeights view = comfyToDiffusers(SafetensorsFile.open(
                        Golden.file("transformer-tiny-comfy/z_image_tiny_comfy.safetensors")))) {
            assertSameTensors(diffusers, view);
            assertEquals("layers.1.attention.qkv.weight", view.sourceName("layers.1.attention.to_v.weight"));
            assertArrayEquals(diffusers.floats("layers.1.attention.to_k.weight"),
                    view.floats("layers.1.attention.to_k.weight"));
            assertTrue(view.origin().contains("z_image_tiny_comfy.safetensors [ComfyUI names]"));
        }
    }

    @Test
    void prefixedSingleFileIsStrippedToItsComponent() throws Exception {
        Path bundled = dir.resolve("bundle.safetensors");
        try (SafetensorsFile comfy = SafetensorsFile.open(
                Golden.file("transformer-tiny-comfy/z_image_tiny_comfy.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String n : comfy.names()) {
                w.add("model.diffusion_model." + n, comfy.info(n).dtype(), comfy.info(n).shape(), comfy.data(n));
            }
            w.add("vae.decoder.conv_in.weight", DType.F32, new long[] {1}, new float[] {1});
            w.write(bundled);
        }
        try (SafetensorsFile diffusers = SafetensorsFile.open(
                        Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                RenamedWeights view = comfyToDiffusers(RenamedWeights.stripPrefix(
                        SafetensorsFile.open(bundled), "model.diffusion_model."))) {
            assertSameTensors(diffusers, view);
            assertFalse(view.contains("vae.decoder.conv_in.weight"));
        }
    }

    @Test
    void ldmOneByOneConvolutionIsReshapedToTheDiffusersLinear() throws Exception {
        try (SafetensorsFile diffusers = SafetensorsFile.open(
                        Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"));
                RenamedWeights view = RenamedWeights.builder(SafetensorsFile.open(
                                Golden.file("vae-tiny-ldm/ae_tiny_ldm.safetensors")), "LDM names")
                        .reshape("decoder.mid.attn_1.q.weight", "decoder.mid_block.attentions.0.to_q.weight", 32, 32)
                        .rename("decoder.up.3.upsample.conv.weight",
                                "decoder.up_blocks.0.upsamplers.0.conv.weight")
                        .build()) {
            for (String name : view.names()) {
                assertArrayEquals(diffusers.info(name).shape(), view.info(name).shape(), name);
                assertEquals(diffusers.data(name), view.data(name), name);
            }
            assertEquals(2, view.names().size());
        }
    }

    @Test
    void collisionsAndImpossibleViewsAreRefusedByName() throws Exception {
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter()
                .add("a.weight", DType.F32, new long[] {4, 2}, new float[8])
                .add("b.weight", DType.F32, new long[] {4, 2}, new float[8])
                .add("s", DType.F32, new long[] {}, new float[1])
                .write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            WeightFileException e = assertThrows(WeightFileException.class,
                    () -> RenamedWeights.map(f, n -> n.startsWith("s") ? null : "w"));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("'a.weight'")
                    && e.getMessage().contains("'b.weight'") && e.getMessage().contains(file.toString()),
                    e.getMessage());
            RenamedWeights.Builder b = RenamedWeights.builder(f, "test");
            e = assertThrows(WeightFileException.class, () -> b.rows("a.weight", 3, 2, "x"));
            assertTrue(e.getMessage().contains("rows [3, 5)") && e.getMessage().contains("[4, 2]"), e.getMessage());
            e = assertThrows(WeightFileException.class, () -> b.rows("s", 0, 1, "x"));
            assertTrue(e.getMessage().contains("scalar"), e.getMessage());
            e = assertThrows(WeightFileException.class, () -> b.reshape("a.weight", "x", 3, 3));
            assertTrue(e.getMessage().contains("cannot be seen as [3, 3]"), e.getMessage());
            e = assertThrows(WeightFileException.class, () -> b.rename("missing", "x"));
            assertTrue(e.getMessage().contains("'missing'"), e.getMessage());
            RenamedWeights v = b.rows("a.weight", 1, 2, "mid").build();
            assertEquals(List.of("mid"), List.copyOf(v.names()));
            assertArrayEquals(new long[] {2, 2}, v.info("mid").shape());
            assertEquals(16, v.data("mid").remaining());
        }
    }
}
