package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class TorchRuntimeTest {

    @Test
    void startsOfflineOnTheCpuAndReportsItsSetup() {
        TorchRuntime rt = TorchRuntime.get();
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("PyTorch", System.getProperty("ai.djl.default_engine"));
        assertTrue(rt.libtorchVersion().startsWith("2.7."), rt.libtorchVersion());
        assertEquals(ComputeDevice.CPU, rt.device(), "no GPU on the test machines");
        assertEquals(ElementType.FLOAT32, rt.computeType());
        String report = rt.report();
        for (String part : new String[] {"libtorch 2.7", "flavor cpu", "device cpu", "threads", "offline true",
                "op helper ops-"}) {
            assertTrue(report.contains(part), "report lacks '" + part + "': " + report);
        }
        assertTrue(rt.threads() >= 1);
    }

    @Test
    void changesTheThreadCountAtRuntime() {
        TorchRuntime rt = TorchRuntime.get();
        int before = rt.threads();
        try {
            rt.setThreads(1);
            assertEquals(1, rt.threads());
        } finally {
            rt.setThreads(before);
        }
        assertEquals(before, rt.threads());
    }

    @Test
    void helperFileIsNamedByTheHashOfItsContent() throws Exception {
        TorchRuntime rt = TorchRuntime.get();
        byte[] bytes = OpHelper.moduleBytes(OpHelper.PACKED_LINEAR); // this linux-x86_64 libtorch has MKL
        assertTrue(rt.helperFile().getFileName().toString().equals(
                "ops-" + OpHelper.sha256(bytes).substring(0, 16) + ".pt"), rt.helperFile().toString());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(rt.helperFile())));
        assertTrue(java.util.Arrays.equals(bytes, OpHelper.moduleBytes(OpHelper.PACKED_LINEAR)), "the module bytes are reproducible");
    }
}
