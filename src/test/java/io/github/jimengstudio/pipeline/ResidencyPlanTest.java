package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.ResidencyPlan.Component;
import io.github.jimengstudio.runtime.ComputeDevice;
import org.junit.jupiter.api.Test;

class ResidencyPlanTest {

    @Test
    void withoutAGpuEveryModeComputesEverythingOnTheCpuResidentInFloat32() {
        for (MemoryMode mode : MemoryMode.values()) {
            ResidencyPlan plan = new ResidencyPlan(mode, false);
            for (Component c : Component.values()) {
                assertFalse(plan.onGpu(c), mode + " " + c);
                assertTrue(plan.resident(c), mode + " " + c);
                assertEquals(Precision.FLOAT32, plan.precision(c, Precision.AUTO), mode + " " + c);
            }
        }
    }

    @Test
    void onAGpuTheModesPlaceTheNetworksAsDesigned() {
        ResidencyPlan balanced = new ResidencyPlan(MemoryMode.BALANCED, true);
        assertTrue(balanced.onGpu(Component.TRANSFORMER));
        assertFalse(balanced.onGpu(Component.TEXT_ENCODER));
        assertFalse(balanced.onGpu(Component.VAE));
        assertEquals(Precision.BFLOAT16, balanced.precision(Component.TRANSFORMER, Precision.AUTO));
        assertEquals(Precision.FLOAT32, balanced.precision(Component.TEXT_ENCODER, Precision.AUTO));

        ResidencyPlan low = new ResidencyPlan(MemoryMode.LOW_VRAM, true);
        for (Component c : Component.values()) {
            assertTrue(low.onGpu(c));
            assertFalse(low.resident(c));
        }
        ResidencyPlan gpu = new ResidencyPlan(MemoryMode.GPU, true);
        assertTrue(gpu.onGpu(Component.VAE) && gpu.resident(Component.VAE));
        assertEquals(Precision.FLOAT32, gpu.precision(Component.VAE, Precision.BFLOAT16), "the VAE is float32");
        assertEquals(Precision.FLOAT32, gpu.precision(Component.TRANSFORMER, Precision.FLOAT32));
        ResidencyPlan cpu = new ResidencyPlan(MemoryMode.CPU, true);
        assertFalse(cpu.onGpu(Component.TRANSFORMER));
    }

    /** The placement table of DESIGN §3, on a described (not opened) GPU: no native code is involved. */
    @Test
    void eachModePlacesEachNetworkOnTheDeviceDesignSaysInItsComputeType() {
        ComputeDevice gpu = ComputeDevice.cuda(1);
        ComputeDevice cpu = ComputeDevice.CPU;
        Object[][] table = {
            // mode, text encoder, transformer, VAE, resident
            {MemoryMode.GPU, gpu, gpu, gpu, true},
            {MemoryMode.BALANCED, cpu, gpu, cpu, true},
            {MemoryMode.LOW_VRAM, gpu, gpu, gpu, false},
            {MemoryMode.CPU, cpu, cpu, cpu, true},
        };
        for (Object[] row : table) {
            ResidencyPlan plan = new ResidencyPlan((MemoryMode) row[0], gpu);
            Component[] cs = {Component.TEXT_ENCODER, Component.TRANSFORMER, Component.VAE};
            for (int i = 0; i < cs.length; i++) {
                assertEquals(row[i + 1], plan.device(cs[i]), row[0] + " " + cs[i]);
                assertEquals(row[4], plan.resident(cs[i]), row[0] + " " + cs[i]);
                Precision expected = cs[i] == Component.VAE ? Precision.FLOAT32
                        : ((ComputeDevice) row[i + 1]).isCuda() ? Precision.BFLOAT16 : Precision.FLOAT32;
                assertEquals(expected, plan.precision(cs[i], Precision.AUTO), row[0] + " " + cs[i]);
            }
            ResidencyPlan none = new ResidencyPlan((MemoryMode) row[0], null);
            for (Component c : cs) {
                assertEquals(cpu, none.device(c), "without a GPU: " + row[0] + " " + c);
            }
        }
        assertEquals("cuda:1 (text encoder, VAE on cpu)",
                ZImagePipeline.placement(new ResidencyPlan(MemoryMode.BALANCED, gpu)));
        assertEquals("cuda:1", ZImagePipeline.placement(new ResidencyPlan(MemoryMode.LOW_VRAM, gpu)));
        assertEquals("cpu", ZImagePipeline.placement(new ResidencyPlan(MemoryMode.CPU, gpu)));
        assertThrows(IllegalArgumentException.class, () -> new ResidencyPlan(MemoryMode.GPU, cpu));
    }
}
