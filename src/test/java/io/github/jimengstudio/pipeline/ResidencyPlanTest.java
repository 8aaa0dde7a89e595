package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.ResidencyPlan.Component;
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
}
