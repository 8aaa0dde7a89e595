package io.github.jimengstudio.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** golden/lora-tiny: the same rank-4 update in four accepted formats, and a FLUX file that must be refused. */
class LoraParserGoldenTest {

    static Lora parse(String file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("lora-tiny/" + file + ".safetensors"))) {
            return new LoraParser(LoraTiny.TARGETS).parse(file, f);
        }
    }

    @ParameterizedTest
    @CsvSource({"peft, DIFFUSERS_PEFT", "kohya, KOHYA", "comfy_fused, COMFYUI", "diffsynth, DIFFSYNTH"})
    void everyAcceptedFormatReproducesTheExpectedDeltaW(String file, LoraFormat format) throws IOException {
        Lora lora = parse(file);
        assertEquals(format, lora.format());
        assertEquals(30, lora.adapters().size());
        try (SafetensorsFile expected = SafetensorsFile.open(
                Golden.file("lora-tiny/expected_delta_w.safetensors"))) {
            assertEquals(expected.names().size(), lora.adapters().size());
            for (String target : expected.names()) {
                LoraAdapter adapter = lora.adapterFor(target);
                assertTrue(adapter != null, file + " lacks an adapter for " + target);
                assertEquals(1.0, adapter.scale(), 0.0, target);
                float[] want = expected.floats(target);
                float[] got = adapter.deltaWeight(1.0);
                assertEquals(want.length, got.length, target);
                float maxDiff = 0;
                int unequal = 0;
                for (int i = 0; i < want.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
                    unequal += want[i] == got[i] ? 0 : 1;
                }
                assertTrue(maxDiff <= 1e-6f, file + " " + target + ": max |ΔW diff| " + maxDiff);
                // Summing the rank terms in order without FMA is the reference BLAS order: bit-identical.
                assertEquals(0, unequal, file + " " + target + ": elements not bit-identical");
            }
        }
    }

    @Test
    void kohyaAlphaIsFoldedWithDiffusersPowerOfTwoSplit() throws IOException {
        Lora peft = parse("peft");
        Lora kohya = parse("kohya");
        // attention: alpha 1, rank 4 -> scale 0.25 split (0.5, 0.5); file's down = 4A, so A' = 2A and B' = B/2
        LoraAdapter pq = peft.adapterFor("layers.0.attention.to_q.weight");
        LoraAdapter kq = kohya.adapterFor("layers.0.attention.to_q.weight");
        for (int i = 0; i < pq.a().length; i++) {
            assertEquals(2 * pq.a()[i], kq.a()[i], 0f);
        }
        for (int i = 0; i < pq.b().length; i++) {
            assertEquals(pq.b()[i] / 2, kq.b()[i], 0f);
        }
        // feed_forward: alpha 2, rank 4 -> scale 0.5 split (0.5, 1.0); file's down = 2A, so A' = A, B' = B
        LoraAdapter pf = peft.adapterFor("layers.1.feed_forward.w2.weight");
        LoraAdapter kf = kohya.adapterFor("layers.1.feed_forward.w2.weight");
        assertEquals(java.util.Arrays.toString(pf.a()), java.util.Arrays.toString(kf.a()));
        assertEquals(java.util.Arrays.toString(pf.b()), java.util.Arrays.toString(kf.b()));
    }

    @Test
    void fusedQkvOfRank12IsSplitOntoQkvAndItsZeroBlocksDropped() throws IOException {
        Lora comfy = parse("comfy_fused");
        for (String p : new String[] {"to_q", "to_k", "to_v"}) {
            LoraAdapter a = comfy.adapterFor("noise_refiner.1.attention." + p + ".weight");
            assertEquals(4, a.rank(), p + ": only its own 4 of the 12 stacked rank terms are non-zero");
            assertEquals(128, a.out());
        }
        assertEquals(4, comfy.adapterFor("layers.0.attention.to_out.0.weight").rank());
    }

    @Test
    void fluxLoraIsRefusedByItsNamesWithTheCauseAndEveryKey() throws IOException {
        LoraRejectedException e = assertThrows(LoraRejectedException.class, () -> parse("flux_foreign"));
        assertEquals(15, e.offendingKeys().size(), e.getMessage());
        assertTrue(e.offendingKeys().containsKey("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight"));
        assertTrue(e.likelyCause().contains("FLUX"), e.likelyCause());
        assertTrue(e.getMessage().contains("this looks like a FLUX LoRA"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was applied"), e.getMessage());
    }
}
