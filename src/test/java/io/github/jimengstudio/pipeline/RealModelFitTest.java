package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RealModelFitTest {
    private static final long GB = 1_000_000_000L;

    @Test
    void aCpuOnlyMachineWith24GbFitsNoCpuSettingAndIsToldTheGpuModesRunOnTheCpu() {
        List<String> lines = RealModelFit.verdicts(25_700_000_000L, 0, 80 * GB);
        assertEquals("GPU (all on the GPU, bfloat16): needs about 24 GB of GPU memory and 8 GB of RAM — no NVIDIA GPU"
                + " here: this mode runs everything on the CPU (see the CPU rows)", lines.get(0));
        assertEquals("CPU, bfloat16: needs about 32 GB of RAM — does not fit: this machine has 26 GB", lines.get(3));
        assertEquals("CPU, float32: needs about 48 GB of RAM — does not fit: this machine has 26 GB", lines.get(4));
        assertEquals("Disk: the model takes about 33 GB; 80 GB free where it would go", lines.get(5));
    }

    @Test
    void aWorkstationWithAGpuFitsTheGpuModesByRamAndNamesTheGpuToCheck() {
        List<String> lines = RealModelFit.verdicts(64 * GB, 1, 10 * GB);
        assertEquals("Balanced (transformer on the GPU): needs about 16 GB of GPU memory and 24 GB of RAM — fits this"
                + " machine's 64 GB of RAM (check the GPU's memory)", lines.get(1));
        assertEquals("CPU, float32: needs about 48 GB of RAM — fits this machine's 64 GB of RAM", lines.get(4));
        assertEquals("Disk: the model takes about 33 GB; only 10 GB free where it would go: not enough", lines.get(5));
    }

    @Test
    void unknownMemoryAndDiskAreSaidSo() {
        List<String> lines = RealModelFit.verdicts(-1, 0, -1);
        assertEquals("CPU, bfloat16: needs about 32 GB of RAM — this machine's memory is not known", lines.get(3));
        assertEquals("Disk: the model takes about 33 GB", lines.get(5));
    }
}
