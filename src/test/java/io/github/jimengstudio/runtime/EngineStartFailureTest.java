package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing or mismatched native library, or an impossible setting, gives a TorchRuntimeException that names the
 * setting and the fix, every time it is asked, and never aborts or hangs the JVM (each case runs in a child JVM
 * with the settings under test).
 */
class EngineStartFailureTest {

    private static final String REFUSED = "REFUSED " + TorchRuntimeException.class.getName() + ": ";

    @TempDir
    Path dir;

    private static String refusedTwice(Map<String, String> env, List<String> jvmArgs) throws Exception {
        ChildJvm.Result r = ChildJvm.run(StartProbe.class, env, jvmArgs, 120);
        assertEquals(0, r.exitCode(), "child JVM died:\n" + r.output());
        String[] lines = r.output().lines().filter(l -> l.startsWith("REFUSED") || l.startsWith("STARTED"))
                .toArray(String[]::new);
        assertEquals(2, lines.length, r.output());
        assertTrue(lines[0].startsWith(REFUSED), r.output());
        assertEquals(lines[0], lines[1], "a failed start is reported the same way the second time");
        return lines[0];
    }

    @Test
    void aLibtorchVersionThatIsNotInstalledIsAClearError() throws Exception {
        String msg = refusedTwice(Map.of("PYTORCH_VERSION", "2.5.1"), List.of());
        assertTrue(msg.contains("PYTORCH_VERSION=2.5.1") && msg.contains("could not start")
                && msg.contains("pytorch-native-cpu"), msg);
    }

    @Test
    void aLibraryPathWithoutLibtorchIsAClearError() throws Exception {
        String msg = refusedTwice(Map.of("PYTORCH_LIBRARY_PATH", dir.toString(), "PYTORCH_FLAVOR", "cpu"), List.of());
        assertTrue(msg.contains("PYTORCH_LIBRARY_PATH=" + dir) && msg.contains("Fix:"), msg);
    }

    @Test
    void askingForCudaWithoutAGpuIsAClearError() throws Exception {
        String msg = refusedTwice(Map.of(), List.of("-Djimeng.device=cuda"));
        assertTrue(msg.contains("jimeng.device=cuda") && msg.contains("0 CUDA device"), msg);
    }

    @Test
    void aBadThreadCountIsAClearError() throws Exception {
        String msg = refusedTwice(Map.of(), List.of("-Djimeng.threads=zero"));
        assertTrue(msg.contains("jimeng.threads"), msg);
    }
}
