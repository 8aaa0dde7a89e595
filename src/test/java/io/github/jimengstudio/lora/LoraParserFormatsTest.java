package io.github.jimengstudio.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key layouts and refusals beyond the golden files, on small files built here for transformer-tiny (dim 128). */
class LoraParserFormatsTest {

    @TempDir
    Path dir;

    Lora parse(TestLoraFiles files) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(files.write(dir.resolve("l.safetensors")))) {
            return new LoraParser(LoraTiny.TARGETS).parse("l", f);
        }
    }

    LoraRejectedException refused(TestLoraFiles files) {
        return assertThrows(LoraRejectedException.class, () -> parse(files));
    }

    /** {@code up @ down} in float32, rank terms in order: the expected update of a test module. */
    static float[] product(float[] up, float[] down, int out, int rank, int in) {
        return new LoraAdapter("x.weight", rank, in, out, down, up, 1.0).product();
    }

    static float[] values(int n, float seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = seed * ((i * 37 + 11) % 23 - 11) / 64f;
        }
        return v;
    }

    @Test
    void alphaSplitMatchesDiffusersLoop() {
        assertEquals(new AlphaFold(0.5, 0.5), AlphaFold.of(1, 4));
        assertEquals(new AlphaFold(0.5, 1.0), AlphaFold.of(2, 4));
        assertEquals(new AlphaFold(1.0, 1.0), AlphaFold.of(4, 4));
        assertEquals(new AlphaFold(4.0, 1.0), AlphaFold.of(16, 4));
        assertEquals(new AlphaFold(1.0 / 16, 1.0 / 8), AlphaFold.of(1, 128));
        assertEquals(new AlphaFold(2.0 / 3, 0.5), AlphaFold.of(1, 3));
        // a non-power-of-two factor is rounded to float32 once, then each product once (torch's scalar multiply)
        float[] down = {0.1f, -3.3f};
        assertArrayEquals(new float[] {0.1f * (float) (2.0 / 3), -3.3f * (float) (2.0 / 3)},
                AlphaFold.of(1, 3).applyDown(down), 0f);
    }

    @Test
    void dotVariantKeepsSeparateQkvAndDropsItsRedundantFusedCopies() throws IOException {
        TestLoraFiles f = new TestLoraFiles();
        for (String p : new String[] {"q", "k", "v"}) {
            f.put("layers.0.attention.to." + p + ".lora.down.weight", values(4 * 128, 1), 4, 128)
                    .put("layers.0.attention.to." + p + ".lora.up.weight", values(128 * 4, 2), 128, 4)
                    .scalar("layers.0.attention.to_" + p + ".alpha", 2f);
        }
        f.put("layers.0.attention.to_out.0.lora.down.weight", values(4 * 128, 3), 4, 128)
                .put("layers.0.attention.to_out.0.lora.up.weight", values(128 * 4, 4), 128, 4)
                .put("layers.0.attention.qkv.lora.down.weight", values(4 * 128, 5), 4, 128)
                .put("layers.0.attention.qkv.lora.up.weight", values(384 * 4, 6), 384, 4)
                .put("layers.0.attention.out.lora.down.weight", values(4 * 128, 7), 4, 128)
                .put("layers.0.attention.out.lora.up.weight", values(128 * 4, 8), 128, 4);
        Lora lora = parse(f);
        assertEquals(LoraFormat.DOT, lora.format());
        assertEquals(4, lora.adapters().size());
        assertEquals(1, lora.notes().size(), lora.notes().toString());
        // alpha 2 / rank 4 = 0.5, folded into A; the fused copies (seeds 5..8) are not used
        float[] want = product(values(512, 2), values(512, 1), 128, 4, 128);
        float[] got = lora.adapterFor("layers.0.attention.to_k.weight").deltaWeight(1);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i] * 0.5f, got[i], 0f);
        }
        assertArrayEquals(product(values(512, 4), values(512, 3), 128, 4, 128),
                lora.adapterFor("layers.0.attention.to_out.0.weight").deltaWeight(1), 0f);
    }

    @Test
    void kohyaFusedQkvUnderNativeNamesIsSplitByRows() throws IOException {
        float[] up = values(384 * 8, 1);
        float[] down = values(8 * 128, 2);
        TestLoraFiles f = new TestLoraFiles()
                .put("lora_unet_layers_1_attention_qkv.lora_down.weight", down, 8, 128)
                .put("lora_unet_layers_1_attention_qkv.lora_up.weight", up, 384, 8)
                .scalar("lora_unet_layers_1_attention_qkv.alpha", 8f)
                .put("lora_unet_layers_1_attention_out.lora_down.weight", values(4 * 128, 3), 4, 128)
                .put("lora_unet_layers_1_attention_out.lora_up.weight", values(128 * 4, 4), 128, 4);
        Lora lora = parse(f);
        assertEquals(LoraFormat.KOHYA, lora.format());
        float[] fused = product(up, down, 384, 8, 128);
        float[] k = lora.adapterFor("layers.1.attention.to_k.weight").deltaWeight(1);
        assertArrayEquals(Arrays.copyOfRange(fused, 128 * 128, 256 * 128), k, 0f);
        assertNotNull(lora.adapterFor("layers.1.attention.to_out.0.weight"));
    }

    @Test
    void nativeEmbedderFinalLayerAndModulationNamesMapToDiffusersWeights() throws IOException {
        TestLoraFiles f = new TestLoraFiles()
                .put("diffusion_model.x_embedder.lora_A.weight", values(2 * 64, 1), 2, 64)
                .put("diffusion_model.x_embedder.lora_B.weight", values(128 * 2, 2), 128, 2)
                .put("diffusion_model.final_layer.linear.lora_A.weight", values(2 * 128, 3), 2, 128)
                .put("diffusion_model.final_layer.linear.lora_B.weight", values(64 * 2, 4), 64, 2)
                .put("diffusion_model.layers.0.adaLN_modulation.0.lora_A.weight", values(2 * 128, 5), 2, 128)
                .put("diffusion_model.layers.0.adaLN_modulation.0.lora_B.weight", values(512 * 2, 6), 512, 2);
        Lora lora = parse(f);
        assertEquals(LoraFormat.COMFYUI, lora.format());
        assertNotNull(lora.adapterFor("all_x_embedder.2-1.weight"));
        assertNotNull(lora.adapterFor("all_final_layer.2-1.linear.weight"));
        assertNotNull(lora.adapterFor("layers.0.adaLN_modulation.0.weight"));
    }

    @Test
    void peftAdapterConfigScalesByAlphaOverRankPerModule() throws IOException {
        TestLoraFiles f = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", values(512, 2), 128, 4)
                .put("transformer.layers.0.attention.to_k.lora_A.weight", values(512, 3), 4, 128)
                .put("transformer.layers.0.attention.to_k.lora_B.weight", values(512, 4), 128, 4)
                .meta("lora_adapter_metadata", "{\"r\": 4, \"lora_alpha\": 8, \"alpha_pattern\": {\"to_k\": 2}}");
        Lora lora = parse(f);
        assertEquals(2.0, lora.adapterFor("layers.0.attention.to_q.weight").scale(), 0.0);
        assertEquals(0.5, lora.adapterFor("layers.0.attention.to_k.weight").scale(), 0.0);

        f.meta("lora_adapter_metadata", "{\"r\": 8, \"lora_alpha\": 8}");
        LoraRejectedException e = refused(f);
        assertTrue(e.getMessage().contains("says rank 8"), e.getMessage());
    }

    @Test
    void theSameModuleSpelledTwiceIsRefused() {
        TestLoraFiles f = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", values(512, 2), 128, 4)
                .put("diffusion_model.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("diffusion_model.layers.0.attention.to_q.lora_B.weight", values(512, 2), 128, 4);
        LoraRejectedException e = refused(f);
        assertEquals(2, e.offendingKeys().size(), e.offendingKeys().toString());
        assertTrue(e.offendingKeys().values().iterator().next().contains("second copy"));
    }

    @Test
    void aFactorWithoutItsPartnerIsRefused() {
        TestLoraFiles f = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", values(512, 2), 128, 4)
                .put("transformer.layers.0.attention.to_k.lora_A.weight", values(512, 1), 4, 128);
        LoraRejectedException e = refused(f);
        assertEquals("a down (A) factor without its up (B) factor",
                e.offendingKeys().get("transformer.layers.0.attention.to_k.lora_A.weight"));
        assertEquals(1, e.offendingKeys().size());
    }

    @Test
    void aShapeThatDoesNotFitRefusesTheWholeFile() {
        TestLoraFiles f = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", values(512, 2), 128, 4)
                .put("transformer.layers.0.feed_forward.w2.lora_A.weight", values(4 * 256, 1), 4, 256)
                .put("transformer.layers.0.feed_forward.w2.lora_B.weight", values(512, 2), 128, 4);
        LoraRejectedException e = refused(f);
        assertEquals(2, e.offendingKeys().size());
        String reason = e.offendingKeys().get("transformer.layers.0.feed_forward.w2.lora_A.weight");
        assertTrue(reason.contains("does not fit layers.0.feed_forward.w2.weight [128, 341]"), reason);
    }

    @Test
    void oneForeignKeyAmongGoodOnesRefusesTheWholeFileNamingOnlyIt() {
        TestLoraFiles f = new TestLoraFiles()
                .put("lora_unet_layers_0_attention_to_q.lora_down.weight", values(512, 1), 4, 128)
                .put("lora_unet_layers_0_attention_to_q.lora_up.weight", values(512, 2), 128, 4)
                .put("lora_unet_single_blocks_0_linear2.lora_down.weight", values(512, 1), 4, 128)
                .put("lora_unet_single_blocks_0_linear2.lora_up.weight", values(512, 2), 128, 4);
        LoraRejectedException e = refused(f);
        assertEquals(2, e.offendingKeys().size());
        assertTrue(e.offendingKeys().keySet().stream().allMatch(k -> k.contains("single_blocks")));
        assertTrue(e.likelyCause().contains("FLUX"));
    }

    @Test
    void textEncoderKeysAreRefusedWithTheirCause() {
        TestLoraFiles f = new TestLoraFiles()
                .put("lora_unet_layers_0_attention_to_q.lora_down.weight", values(512, 1), 4, 128)
                .put("lora_unet_layers_0_attention_to_q.lora_up.weight", values(512, 2), 128, 4)
                .put("lora_te_model_layers_0_self_attn_q_proj.lora_down.weight", values(512, 1), 4, 128)
                .put("lora_te_model_layers_0_self_attn_q_proj.lora_up.weight", values(512, 2), 128, 4);
        assertTrue(refused(f).likelyCause().contains("text-encoder"));
    }

    @Test
    void unsupportedKindsAreNamed() {
        TestLoraFiles f = new TestLoraFiles()
                .put("lycoris_layers_0_attention_to_q.lokr_w1", values(16, 1), 4, 4)
                .put("lycoris_layers_0_attention_to_q.lokr_w2", values(32 * 32, 1), 32, 32);
        LoraRejectedException e = refused(f);
        assertTrue(e.offendingKeys().values().stream().allMatch(r -> r.contains("LoKr")), e.getMessage());
        assertEquals(LoraFormat.LYCORIS, LoraFormat.detect(e.offendingKeys().keySet()));
    }

    @Test
    void nonFiniteValuesAndNegativeAlphaAreRefused() {
        float[] up = values(512, 2);
        up[7] = Float.NaN;
        TestLoraFiles nan = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", up, 128, 4);
        assertTrue(refused(nan).getMessage().contains("NaN"));
        TestLoraFiles negative = new TestLoraFiles()
                .put("lora_unet_layers_0_attention_to_q.lora_down.weight", values(512, 1), 4, 128)
                .put("lora_unet_layers_0_attention_to_q.lora_up.weight", values(512, 2), 128, 4)
                .scalar("lora_unet_layers_0_attention_to_q.alpha", -4f);
        assertTrue(refused(negative).getMessage().contains("negative"));
    }

    @Test
    void severalPeftAdaptersInOneFileAreRefused() {
        TestLoraFiles f = new TestLoraFiles()
                .put("layers.0.attention.to_q.lora_A.default.weight", values(512, 1), 4, 128)
                .put("layers.0.attention.to_q.lora_B.default.weight", values(512, 2), 128, 4)
                .put("layers.0.attention.to_k.lora_A.style.weight", values(512, 1), 4, 128)
                .put("layers.0.attention.to_k.lora_B.style.weight", values(512, 2), 128, 4);
        assertTrue(refused(f).getMessage().contains("several PEFT adapters"));
    }

    @Test
    void anEmptyFileIsRefused() {
        assertEquals("the file holds no tensors",
                refused(new TestLoraFiles()).offendingKeys().values().iterator().next());
    }

    @Test
    void allZeroUpFactorGivesNoAdapterButIsAccepted() throws IOException {
        TestLoraFiles f = new TestLoraFiles()
                .put("transformer.layers.0.attention.to_q.lora_A.weight", values(512, 1), 4, 128)
                .put("transformer.layers.0.attention.to_q.lora_B.weight", new float[512], 128, 4);
        Lora lora = parse(f);
        assertNull(lora.adapterFor("layers.0.attention.to_q.weight"));
    }
}
