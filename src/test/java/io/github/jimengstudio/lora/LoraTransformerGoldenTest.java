package io.github.jimengstudio.lora;

import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * golden/lora-tiny on transformer-tiny, case 0 (README-extra §4): every accepted format gives the expected output
 * at strengths 1.0 and 0.5, with runtime adapters and fused; switching, strength 0 and refusals leave the base
 * output bit-identical.
 */
class LoraTransformerGoldenTest {

    static final List<String> FORMATS = List.of("peft", "kohya", "comfy_fused", "diffsynth", "flux_foreign");

    @TempDir
    static Path folder;
    static SafetensorsFile weights;
    static SafetensorsFile case0;
    static ZImageTransformer model;
    static LoraManager loras;
    static float[] base;

    @BeforeAll
    static void load() throws IOException {
        for (String f : FORMATS) {
            Files.copy(Golden.file("lora-tiny/" + f + ".safetensors"), folder.resolve(f + ".safetensors"));
        }
        LoraLibrary library = new LoraLibrary(folder);
        library.rescan();
        weights = SafetensorsFile.open(Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
        case0 = SafetensorsFile.open(Golden.file("transformer-tiny/case0_sq32_cap37.safetensors"));
        model = ZImageTransformer.load(weights,
                ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json")), ElementType.FLOAT32);
        loras = LoraManager.attachedTo(library, model.linears(), ElementType.FLOAT32,
                LoraManager.DEFAULT_CACHE_BYTES);
        base = forward();
    }

    @AfterAll
    static void close() throws IOException {
        loras.close();
        model.close();
        weights.close();
        case0.close();
    }

    static float[] forward() throws IOException {
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(case0.floats("in.x.0"), case0.info("in.x.0").shape());
            Tensor cap = Tensor.of(case0.floats("in.cap_feats.0"), case0.info("in.cap_feats.0").shape());
            return model.forward(List.of(x), case0.floats("in.t"), List.of(cap)).get(0).toFloatArray();
        }
    }

    static float[] expected(String file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("lora-tiny/" + file + ".safetensors"))) {
            return f.floats("out.0");
        }
    }

    @ParameterizedTest
    @CsvSource({"peft", "kohya", "comfy_fused", "diffsynth"})
    void everyAcceptedFormatGivesTheGoldenOutputsUnmergedAndFused(String format) throws IOException {
        try {
            for (boolean fused : new boolean[] {false, true}) {
                loras.setFusing(fused);
                loras.select(List.of(new LoraSelection(format, 1.0)));
                assertWithin(expected("expected_case0_strength1"), forward(), 1e-4, 1e-4, format + " @1.0 fused=" + fused);
                loras.select(List.of(new LoraSelection(format, 0.5)));
                assertWithin(expected("expected_case0_strength0p5"), forward(), 1e-4, 1e-4, format + " @0.5 fused=" + fused);
            }
        } finally {
            loras.setFusing(false);
            loras.clear();
        }
        assertArrayEquals(base, forward(), 0f, "back to the base output, bit for bit");
    }

    @Test
    void theLoraChangesTheOutputAsMuchAsTheGoldenSays() throws IOException {
        loras.select(List.of(new LoraSelection("peft", 1.0)));
        float[] with = forward();
        loras.clear();
        float maxChange = 0;
        for (int i = 0; i < base.length; i++) {
            maxChange = Math.max(maxChange, Math.abs(with[i] - base[i]));
        }
        assertEquals(1.19, maxChange, 0.01, "README-extra §4: the case0 output changes by up to 1.19");
    }

    @Test
    void strengthZeroIsTheBaseOutputExactly() throws IOException {
        loras.select(List.of(new LoraSelection("kohya", 0.0)));
        assertArrayEquals(base, forward(), 0f);
        loras.clear();
    }

    @Test
    void aThousandSwitchesThenNoneGiveTheBaseOutputBitIdentical() throws IOException {
        loras.select(List.of(new LoraSelection("peft", 0.8)));
        float[] first = forward();
        for (int i = 0; i < 1000; i++) {
            loras.select(List.of(new LoraSelection(i % 2 == 0 ? "kohya" : "comfy_fused", 0.3 + (i % 7) / 10.0)));
        }
        loras.select(List.of(new LoraSelection("peft", 0.8)));
        assertArrayEquals(first, forward(), 0f, "the same LoRA gives the same output after the switches");
        loras.select(List.of());
        assertArrayEquals(base, forward(), 0f);
    }

    @Test
    void fusingAndUnfusingRestoresTheCheckpointWeightsExactly() throws IOException {
        try {
            loras.setFusing(true);
            for (int i = 0; i < 20; i++) {
                loras.select(List.of(new LoraSelection(i % 2 == 0 ? "kohya" : "diffsynth", 0.9)));
            }
            Linear q = model.linears().stream().filter(l -> l.name().equals("layers.1.attention.to_q"))
                    .findFirst().orElseThrow();
            assertTrue(!java.util.Arrays.equals(weights.floats("layers.1.attention.to_q.weight"),
                    q.weight().toFloatArray()), "fused: the layer computes with W + ΔW");
        } finally {
            loras.setFusing(false);
            loras.clear();
        }
        for (Linear l : model.linears()) {
            assertArrayEquals(weights.floats(l.name() + ".weight"), l.weight().toFloatArray(), 0f, l.name());
        }
        assertArrayEquals(base, forward(), 0f);
    }

    @Test
    void aRefusedLoraLeavesTheNextBaseGenerationBitIdentical() throws IOException {
        for (boolean fused : new boolean[] {false, true}) {
            loras.setFusing(fused);
            LoraRejectedException e = assertThrows(LoraRejectedException.class,
                    () -> loras.select(List.of(new LoraSelection("flux_foreign", 1.0))));
            assertTrue(e.getMessage().contains("FLUX"), e.getMessage());
            assertArrayEquals(base, forward(), 0f, "fused=" + fused);
            loras.select(List.of(new LoraSelection("kohya", 1.0)));
            float[] withKohya = forward();
            assertThrows(LoraRejectedException.class, () -> loras.select(List.of(
                    new LoraSelection("diffsynth", 1.0), new LoraSelection("flux_foreign", 0.5))));
            assertArrayEquals(withKohya, forward(), 0f, "the previous LoRA stays, fused=" + fused);
            loras.clear();
        }
        loras.setFusing(false);
        assertArrayEquals(base, forward(), 0f);
    }
}
