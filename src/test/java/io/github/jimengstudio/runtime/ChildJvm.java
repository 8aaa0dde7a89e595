package io.github.jimengstudio.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a main class of the test class path in a fresh JVM, so that an abort fails a test instead of the run. */
final class ChildJvm {
    private ChildJvm() {}

    record Result(int exitCode, String output) {}

    static Result run(Class<?> main, Map<String, String> env, List<String> jvmArgs, long timeoutSeconds)
            throws IOException, InterruptedException {
        return run(main, env, jvmArgs, 0, timeoutSeconds);
    }

    /** {@link #run} with the child's address space capped at {@code addressSpaceKb} (bash's ulimit -v); 0: no cap. */
    static Result run(Class<?> main, Map<String, String> env, List<String> jvmArgs, long addressSpaceKb,
            long timeoutSeconds) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        for (String key : new String[] {"ai.djl.offline", "jimeng.cache", "jimeng.shared"}) {
            if (System.getProperty(key) != null) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(main.getName());
        if (addressSpaceKb > 0) {
            List<String> limited = new ArrayList<>(List.of("bash", "-c", "ulimit -v " + addressSpaceKb + " && exec \"$@\"",
                    "bash"));
            limited.addAll(cmd);
            cmd = limited;
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("child-jvm", ".log");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("child JVM " + main.getSimpleName() + " hung for " + timeoutSeconds + " s:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
