package io.github.jimengstudio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.jimengstudio.testing.Golden;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real ImageJ with Jimeng Studio installed as a user installs it: {@code ../shared/fiji-core} (ImageJ 1.54p with
 * imagej-legacy, the Swing UI and the updater, as in Fiji 2.17), an app folder of its own under {@code target/}, the
 * plugin installed from the update site this build wrote ({@code target/update-site}) by the real updater, the
 * golden tiny model in {@code models/Z-Image-Turbo} and two LoRAs in {@code lora/}. libtorch comes from the CPU
 * build on the test class path (Fiji users download it once; see README). Each {@link #run} is a new ImageJ process.
 */
final class FijiHost {
    /** How ImageJ runs a macro: the GUI (under Xvfb here), {@code -batch}, or {@code --headless -macro}. */
    enum Mode {
        GUI("macro"), BATCH("batch"), HEADLESS("headless-macro");

        final String command;

        Mode(String command) {
            this.command = command;
        }
    }

    static final String MODEL_NAME = "Z-Image-Turbo";
    private static final Pattern RESULT = Pattern.compile("^RESULT (\\S+?)=(.*)$", Pattern.MULTILINE);

    private final Path app;
    private final Path cache;

    private FijiHost(Path app, Path cache) {
        this.app = app;
        this.cache = cache;
    }

    /** The host's launcher; its absence fails the test (the host is part of the shared test world). */
    static Path runHost() {
        Path p = Golden.shared().resolve("fiji-core/run-host");
        if (!Files.isExecutable(p)) {
            throw new AssertionError("The ImageJ test host is missing: " + p + " (../shared/fiji-core)");
        }
        return p;
    }

    /** The build's output folder for host runs: screenshots, app folders, logs. */
    static Path outputFolder() throws IOException {
        String dir = System.getProperty("jimeng.host.out");
        Path p = dir != null ? Path.of(dir) : Path.of("target", "fiji-host");
        return Files.createDirectories(p.toAbsolutePath());
    }

    /**
     * A new app folder {@code name} under {@link #outputFolder()}, with the plugin installed from the update site by
     * the updater ({@code add-update-site}, then {@code update}), the golden model and LoRAs in place.
     */
    static FijiHost install(String name) throws IOException, InterruptedException {
        FijiHost host = installPlugin(name);
        Path models = Files.createDirectories(host.app.resolve("models"));
        Files.createSymbolicLink(models.resolve(MODEL_NAME), Golden.file("e2e-tiny/model"));
        return host;
    }

    /** As {@link #install}, without a model: a first run. */
    static FijiHost installPlugin(String name) throws IOException, InterruptedException {
        Path out = outputFolder();
        Path app = out.resolve(name);
        deleteTree(app);
        Files.createDirectories(app);
        FijiHost host = new FijiHost(app, Files.createDirectories(out.resolve("jimeng-cache")));
        Path site = updateSite();
        Result added = host.exec(List.of("update", "add-update-site", "Jimeng Studio", site.toUri().toString()),
                Map.of(), 120);
        assertEquals(0, added.exitCode(), added.output());
        Result updated = host.exec(List.of("update", "update"), Map.of(), 300);
        assertEquals(0, updated.exitCode(), updated.output());
        try (Stream<Path> jars = Files.list(app.resolve("plugins"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith("Jimeng_Studio-")),
                    "the updater installed no plugins/Jimeng_Studio jar: " + updated.output());
        }
        Path lora = Files.createDirectories(app.resolve("lora"));
        Files.copy(Golden.file("lora-tiny/peft.safetensors"), lora.resolve("fox-style.safetensors"));
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), lora.resolve("kohya-style.safetensors"));
        return host;
    }

    /** The update site this build wrote ({@code mvn package} runs before the host tests). */
    static Path updateSite() {
        String dir = System.getProperty("jimeng.updatesite.dir");
        Path site = (dir != null ? Path.of(dir) : Path.of("target", "update-site")).toAbsolutePath();
        if (!Files.isRegularFile(site.resolve("db.xml.gz"))) {
            throw new AssertionError("No update site at " + site + ": the host tests run after `mvn package`");
        }
        return site;
    }

    Path app() {
        return app;
    }

    /** Runs {@code macro} (IJ1 macro source) in a new ImageJ in {@code mode}, with {@code arg} as its argument. */
    Result run(Mode mode, String name, String macro, String arg) throws IOException, InterruptedException {
        Path file = Files.createDirectories(app.resolve("macros")).resolve(name + ".ijm");
        Files.writeString(file, macro);
        return runFile(mode, file, arg);
    }

    /** Runs the macro file in a new ImageJ in {@code mode}. */
    Result runFile(Mode mode, Path file, String arg) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(mode.command, file.toString()));
        if (arg != null) {
            args.add(arg);
        }
        Result r = exec(args, Map.of(), 150);
        Files.writeString(app.resolve("macros").resolve(file.getFileName() + "." + mode + ".log"), r.output());
        return r;
    }

    Result exec(List<String> args, Map<String, String> extraEnv, int timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(runHost().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("DISPLAY"); // each GUI run gets its own Xvfb from run-host
        env.remove("JIMENG_MODEL");
        env.put("FIJI_CORE_APP_DIR", app.toString());
        env.put("FIJI_CORE_CLASSPATH", libtorchJar());
        // Preferences of its own (never the user's); the libtorch extracted once for all runs; UTF-8 for the
        // macros' File.openAsString (Java 17 on a POSIX locale would read ASCII).
        env.put("JAVA_OPTS", "-Djava.util.prefs.userRoot=" + app.resolve("prefs") + " -Djimeng.cache=" + cache
                + " -Dai.djl.offline=true -Xmx2g -Dfile.encoding=UTF-8");
        extraEnv.forEach((k, v) -> env.merge(k, v, (base, extra) -> k.equals("JAVA_OPTS") ? base + " " + extra : extra));
        Path log = Files.createTempFile(app, "run", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            fail("ImageJ did not finish within " + timeoutSeconds + " s (a dialog waiting for a person?): "
                    + String.join(" ", args) + "\n" + out);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }

    /** The CPU libtorch jar on the test class path, for the host's class path. */
    static String libtorchJar() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("pytorch-native-cpu")).findFirst()
                .orElseThrow(() -> new AssertionError("pytorch-native-cpu is not on the test class path"));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** What one ImageJ run printed (standard output and error, and the Log window in GUI runs). */
    record Result(int exitCode, String output) {
        /** The value of the macro's {@code print("RESULT key=value")} line, or fails naming the output. */
        String value(String key) {
            Matcher m = RESULT.matcher(output);
            String found = null;
            while (m.find()) {
                if (m.group(1).equals(key)) {
                    found = m.group(2).strip();
                }
            }
            if (found == null) {
                fail("the macro printed no RESULT " + key + "=...; its output:\n" + output);
            }
            return found;
        }

        boolean printed(String text) {
            return output.contains(text);
        }
    }
}
