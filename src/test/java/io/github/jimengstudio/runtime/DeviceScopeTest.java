package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceScopeTest {

    @Test
    void creationOpsLandOnTheScopesDeviceAndTheDefaultComesBackWhenItCloses() {
        ComputeDevice before = DeviceScope.current();
        assertEquals(TorchRuntime.get().device(), before);
        try (TensorScope s = TensorScope.open()) {
            try (DeviceScope outer = DeviceScope.use(ComputeDevice.CPU)) {
                DeviceScope inner = DeviceScope.use(ComputeDevice.CPU);
                assertEquals(ComputeDevice.CPU, DeviceScope.current());
                Tensor[] made = {Tensor.of(new float[] {1, 2}, 2), Tensor.ofLongs(new long[] {3}, 1),
                    Tensor.ofBooleans(new boolean[] {true}, 1), Tensor.zeros(ElementType.BFLOAT16, 2),
                    Tensor.full(2f, 2), Tensor.arange(0, 3, 1), Tensor.arangeLong(0, 3)};
                for (Tensor t : made) {
                    assertEquals(ComputeDevice.CPU, t.device(), t.toString());
                }
                assertArrayEquals(new float[] {0, 1, 2}, Tensor.arange(0, 3, 1).toFloatArray());
                outer.close(); // closes the inner scope left open, too
                inner.close();
            }
        }
        assertEquals(before, DeviceScope.current());
    }

    @Test
    void aCudaRequestOnAMachineWithoutOneIsAClearExceptionBeforeNativeCode(@TempDir Path dir) throws Exception {
        TorchRuntime rt = TorchRuntime.get();
        ComputeDevice missing = ComputeDevice.cuda(rt.gpuCount());
        TorchRuntimeException e = assertThrows(TorchRuntimeException.class, () -> DeviceScope.use(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("sees " + rt.gpuCount()),
                e.getMessage());
        assertEquals(rt.device(), DeviceScope.current(), "a refused scope must not stay on the stack");
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2}, 2).to(ElementType.BFLOAT16);
            assertThrows(TorchRuntimeException.class, () -> x.toDevice(missing));
            assertArrayEquals(new float[] {1, 2}, x.toDevice(ComputeDevice.CPU).toFloatArray());
        }
        Path file = new TestSafetensors().floats("w", "F32", new float[] {1, 2}, 2).write(dir.resolve("w.safetensors"));
        try (var src = io.github.jimengstudio.tensor.SafetensorsFile.open(file);
                TensorScope weights = TensorScope.detached()) {
            assertThrows(TorchRuntimeException.class,
                    () -> new WeightLoader(src, weights, ElementType.BFLOAT16, missing));
            WeightLoader cpu = new WeightLoader(src, weights, ElementType.FLOAT32, ComputeDevice.CPU);
            assertEquals(ComputeDevice.CPU, cpu.load("w", 2).device());
        }
    }

    @Test
    void eachDeviceHasItsOwnComputeTypeAndDescriptorsNeedNoNativeCode() {
        assertEquals(ElementType.FLOAT32, ComputeDevice.CPU.computeType());
        assertEquals(ElementType.BFLOAT16, ComputeDevice.cuda(0).computeType());
        assertEquals("cuda:1", ComputeDevice.cuda(1).toString());
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.cuda(-1));
        assertThrows(IllegalArgumentException.class, () -> new ComputeDevice(ComputeDevice.Kind.CPU, 0));
    }
}
