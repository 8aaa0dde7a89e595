package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {

    @Test
    void residentSizeReturnsWithinFivePercentAfterTenThousandScopedOperationsAndATrim() throws Exception {
        ChildJvm.Result r = ChildJvm.run(NativeMemoryProbe.class, Map.of(),
                List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-Djimeng.threads=1"), 300);
        assertEquals(0, r.exitCode(), r.output());
        String rss = r.output().lines().filter(l -> l.startsWith("RSS ")).findFirst().orElseThrow();
        String ops = r.output().lines().filter(l -> l.startsWith("OPS ")).findFirst().orElseThrow();
        String[] v = rss.split(" ");
        long start = Long.parseLong(v[1]);
        long beforeTrim = Long.parseLong(v[2]);
        long end = Long.parseLong(v[3]);
        String summary = String.format("%s; RSS start %d MB, after loop %d MB, after trim %d MB", ops,
                start >> 20, beforeTrim >> 20, end >> 20);
        System.out.println(summary);
        assertTrue(Integer.parseInt(ops.substring(4)) >= 10_000, summary);
        assertTrue(start > 0, "resident size readable");
        assertTrue(end <= start * 1.05, "resident size grew more than 5 %: " + summary);
    }

    @Test
    void trimIsAvailableOnLinux() {
        assertTrue(NativeMemory.trim(), "glibc malloc_trim through JNA");
        assertTrue(NativeMemory.residentBytes() > 0);
    }
}
