package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The facade never lets DJL abort the JVM: a child JVM runs every public operation on bf16 tensors, on
 * read-only mapped tensors and on bf16-resident weights, and asks for every unmapped type. The child must exit
 * normally; what is refused must be refused with a clear Java exception, and only what we expect is refused.
 */
class AbortProofTest {

    /** Refusals by design: "set op" -> exception class. Everything else must succeed. */
    private static final Map<String, String> EXPECTED_REFUSALS = Map.ofEntries(
            Map.entry("bf16 toLongArray", "java.lang.IllegalStateException"),
            Map.entry("bf16 gelu", "java.lang.UnsupportedOperationException"),
            Map.entry("bf16-resident toLongArray", "java.lang.IllegalStateException"),
            Map.entry("bf16-resident gelu", "java.lang.UnsupportedOperationException"),
            Map.entry("mapped toLongArray", "java.lang.IllegalStateException"),
            Map.entry("djl-of BFLOAT16", "java.lang.IllegalStateException"));

    @Test
    void everyFacadeOperationOnBf16AndMappedTensorsEndsNormally() throws Exception {
        ChildJvm.Result r = ChildJvm.run(AbortProofProbe.class, Map.of(), List.of("-Djimeng.threads=1"), 300);
        String out = r.output();
        assertEquals(0, r.exitCode(), "child JVM died (exit " + r.exitCode() + "):\n" + tail(out));
        assertTrue(out.contains("ALL DONE"), tail(out));
        List<String> problems = new ArrayList<>();
        for (String set : new String[] {"bf16", "mapped", "bf16-resident"}) {
            for (String op : AbortProofProbe.opNames()) {
                String key = set + " " + op;
                String expected = EXPECTED_REFUSALS.get(key);
                if (expected == null && !out.contains("OK " + key + "\n")) {
                    problems.add("expected OK: " + line(out, key));
                } else if (expected != null && !out.contains("REFUSED " + key + " " + expected + ": ")) {
                    problems.add("expected " + expected + ": " + line(out, key));
                }
            }
        }
        for (String tag : new String[] {"I16", "U16", "U32", "U64", "I32", "I8", "U8", "F64", "BOOL", "F8_E4M3"}) {
            if (!out.contains("REFUSED file-dtype " + tag + " io.github.jimengstudio.tensor.WeightFileException: ")) {
                problems.add("file dtype " + tag + " not refused clearly: " + line(out, "file-dtype " + tag));
            }
        }
        for (String request : new String[] {"DeviceScope.use", "toDevice", "WeightLoader"}) {
            String line = line(out, "missing-device " + request);
            if (!line.startsWith("REFUSED missing-device " + request + " " + TorchRuntimeException.class.getName()
                    + ": ") || !line.contains("CUDA device")) {
                problems.add("a missing CUDA device must be refused clearly by " + request + ": " + line);
            }
        }
        for (String djl : new String[] {"BFLOAT16", "INT16", "UINT16", "UINT32", "UINT64", "FLOAT64", "STRING"}) {
            if (!out.contains("REFUSED djl-type " + djl + " java.lang.IllegalStateException: ")) {
                problems.add("DJL type " + djl + " not refused: " + line(out, "djl-type " + djl));
            }
        }
        if (!out.contains("OK djl-type UNKNOWN -> BFLOAT16")) {
            problems.add("UNKNOWN (how DJL reports bf16) must map to BFLOAT16");
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /** A new public op on the facade must be added to the probe, or this test fails. */
    @Test
    void probeCoversEveryPublicFacadeOperation() {
        Set<String> covered = new HashSet<>(AbortProofProbe.opNames());
        List<String> missing = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {Tensor.class, Functional.class, DeviceScope.class}) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !covered.contains(m.getName())
                        && !Set.of("equals", "hashCode").contains(m.getName())) {
                    missing.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertTrue(missing.isEmpty(), "not exercised by AbortProofProbe: " + missing);
    }

    private static String line(String out, String key) {
        for (String l : out.split("\n")) {
            if (l.contains(" " + key + " ") || l.endsWith(" " + key)) {
                return l;
            }
        }
        return "(no line for " + key + ")";
    }

    private static String tail(String out) {
        return out.length() <= 4000 ? out : out.substring(out.length() - 4000);
    }
}
