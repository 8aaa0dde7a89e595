package io.github.jimengstudio.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.LowRankUpdate;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runtime adapters on the device, checked against the golden ΔW of lora-tiny and the transformer-tiny weights. */
class LoraSwitchTest {

    static Lora kohya;
    static DeviceLora kohyaOnDevice;
    static DeviceLora comfyOnDevice;
    static DeviceLora otherOnDevice;

    @BeforeAll
    static void upload() throws IOException {
        kohya = LoraTiny.parse("kohya");
        kohyaOnDevice = DeviceLora.upload(kohya, ElementType.FLOAT32);
        comfyOnDevice = DeviceLora.upload(LoraTiny.parse("comfy_fused"), ElementType.FLOAT32);
        otherOnDevice = DeviceLora.upload(LoraTiny.negated(kohya), ElementType.FLOAT32);
    }

    @AfterAll
    static void free() {
        kohyaOnDevice.close();
        comfyOnDevice.close();
        otherOnDevice.close();
    }

    @Test
    void unmergedAdaptersMatchTheMergedGoldenUpdateOnEveryTarget() throws IOException {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        int rows = 9;
        for (double strength : new double[] {1.0, 0.5}) {
            for (DeviceLora d : List.of(kohyaOnDevice, comfyOnDevice)) {
                sw.select(List.of(new LoraSwitch.Use(d, strength)));
                for (String weight : LoraTiny.EXPECTED_DELTA.names()) {
                    float[] x = LoraTiny.input(rows, (int) LoraTiny.MODEL.info(weight).dim(1));
                    LoraTiny.assertClose(LoraTiny.merged(weight, x, rows, (float) strength),
                            LoraTiny.forward(sw, weight, x, rows),
                            d.name() + " " + weight + " @" + strength);
                }
            }
        }
    }

    @Test
    void fusedWeightIsBasePlusStrengthTimesGoldenDelta() throws IOException {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        sw.select(List.of(new LoraSwitch.Use(comfyOnDevice, 0.8)));
        for (String weight : LoraTiny.EXPECTED_DELTA.names()) {
            try (TensorScope s = TensorScope.open()) {
                float[] w = LoraTiny.MODEL.floats(weight);
                float[] dw = LoraTiny.EXPECTED_DELTA.floats(weight);
                Tensor base = Tensor.of(w, LoraTiny.MODEL.info(weight).shape());
                float[] fused = sw.fusedWeight(weight, base).toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i] + 0.8f * dw[i], fused[i], 1e-6f, weight);
                }
            }
        }
        try (TensorScope s = TensorScope.open()) {
            String t = "t_embedder.mlp.0.weight";
            Tensor unpatched = Tensor.of(LoraTiny.MODEL.floats(t), LoraTiny.MODEL.info(t).shape());
            assertSame(unpatched, sw.fusedWeight(t, unpatched));
        }
    }

    @Test
    void strengthZeroAndNoLoraReturnTheBaseOutputBitForBit() throws IOException {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        String weight = "layers.1.feed_forward.w2.weight";
        float[] x = LoraTiny.input(5, 341);
        float[] base = LoraTiny.forward(sw, weight, x, 5);
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 0.0)));
        assertTrue(sw.active().isEmpty());
        assertArrayEquals(base, LoraTiny.forward(sw, weight, x, 5), 0f);
    }

    @Test
    void aThousandSwitchesThenNoneLeaveTheBaseOutputBitIdentical() throws IOException {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        String weight = "layers.0.attention.to_q.weight";
        float[] x = LoraTiny.input(6, 128);
        float[] base = LoraTiny.forward(sw, weight, x, 6);
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 1.0)));
        float[] withKohya = LoraTiny.forward(sw, weight, x, 6);
        for (int i = 0; i < 1000; i++) {
            sw.select(List.of(new LoraSwitch.Use(i % 2 == 0 ? otherOnDevice : kohyaOnDevice, 0.7)));
        }
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 1.0)));
        assertArrayEquals(withKohya, LoraTiny.forward(sw, weight, x, 6), 0f, "no drift in the LoRA output either");
        sw.select(List.of());
        assertArrayEquals(base, LoraTiny.forward(sw, weight, x, 6), 0f);
    }

    @Test
    void anAdapterIsIdleExactlyWhileItAddsNothing() {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        String patched = "layers.0.attention.to_q.weight";
        String untouched = "t_embedder.mlp.0.weight";
        assertTrue(kohyaOnDevice.factors().containsKey(patched));
        assertTrue(!kohyaOnDevice.factors().containsKey(untouched));
        Linear.Adapter a = sw.adapterFor(patched);
        Linear.Adapter other = sw.adapterFor(untouched);
        assertTrue(a.idle(), "no LoRA selected");
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 0.7)));
        assertTrue(!a.idle(), "an active LoRA patches it");
        assertTrue(other.idle(), "the active LoRA does not patch this layer");
        DeviceLora.Factors f = kohyaOnDevice.factors().get(patched);
        assertEquals(List.of(new LowRankUpdate(f.a(), f.b(), (float) (0.7 * f.scale()))), a.lowRankTerms(),
                "its update as one term at strength times scale");
        assertSame(a.lowRankTerms(), a.lowRankTerms(), "made once per selection, not per call");
        assertEquals(List.of(), other.lowRankTerms());
        sw.setFused(true);
        assertTrue(a.idle(), "the update is in the weight");
        assertEquals(List.of(), a.lowRankTerms());
        sw.setFused(false);
        assertTrue(!a.idle());
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 0.0)));
        assertTrue(a.idle(), "strength 0");
        sw.clear();
        assertTrue(a.idle());
    }

    @Test
    void stackedLorasAddTheirOwnUpdatesAtTheirOwnStrengths() throws IOException {
        LoraSwitch sw = new LoraSwitch(LoraTiny.TARGETS);
        sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 1.0), new LoraSwitch.Use(otherOnDevice, 0.5)));
        // ΔW_total = 1.0·ΔW + 0.5·(-1.5·ΔW) = 0.25·ΔW
        String weight = "context_refiner.1.attention.to_v.weight";
        float[] x = LoraTiny.input(4, 128);
        LoraTiny.assertClose(LoraTiny.merged(weight, x, 4, 0.25f), LoraTiny.forward(sw, weight, x, 4), "stack");
        assertEquals(2, sw.active().size());
    }

    @Test
    void aLoraForOtherTargetsIsRefusedAndTheActiveSetStays() throws IOException {
        LoraTargets fewer = LoraTargets.of(java.util.Map.of("layers.0.attention.to_q.weight", new long[] {128, 128}));
        LoraSwitch sw = new LoraSwitch(fewer);
        Lora onlyQ = new Lora("q", LoraFormat.DIFFUSERS_PEFT,
                List.of(kohya.adapterFor("layers.0.attention.to_q.weight")), List.of());
        try (DeviceLora q = DeviceLora.upload(onlyQ, ElementType.FLOAT32)) {
            sw.select(List.of(new LoraSwitch.Use(q, 1.0)));
            assertThrows(IllegalArgumentException.class,
                    () -> sw.select(List.of(new LoraSwitch.Use(kohyaOnDevice, 1.0))));
            assertEquals(List.of(new LoraSwitch.Use(q, 1.0)), sw.active());
        }
    }

    @Test
    void uploadedFactorsAreTheParsedOnesAndCountTheirBytes() {
        assertEquals(kohya.bytes(), kohyaOnDevice.bytes());
        LoraAdapter a = kohya.adapterFor("layers.0.feed_forward.w1.weight");
        DeviceLora.Factors f = kohyaOnDevice.factors().get("layers.0.feed_forward.w1.weight");
        assertArrayEquals(a.a(), f.a().toFloatArray(), 0f);
        assertArrayEquals(a.b(), f.b().toFloatArray(), 0f);
        assertArrayEquals(new long[] {a.rank(), a.in()}, f.a().shape());
    }
}
