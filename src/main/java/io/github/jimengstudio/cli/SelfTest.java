package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.DevicePreference;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ModelLocation;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.SelfTestModel;
import io.github.jimengstudio.pipeline.Version;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code jimeng selftest}: writes a tiny random-weight Z-Image model into a temporary folder with the project's own
 * safetensors writer, finds it with the model locator, loads it, and generates with it: a Turbo image twice with
 * the same seed (the pixels must be identical) and a guided one. It checks that this machine's native engine
 * runs the whole pipeline, and reports the device, libtorch and the time of each stage.
 */
final class SelfTest {
    static final String USAGE = String.join("\n",
            "Usage: jimeng selftest [--device auto|cpu|gpu] [--scale tiny|mid] [--size WxH] [--steps N] [--keep DIR]",
            "",
            "Runs the whole pipeline on a tiny random-weight model written to a temporary folder (no download),",
            "to check this machine's native engine. Reports the device, libtorch version and timings.",
            "",
            "  --device auto|cpu|gpu   where to run (default auto)",
            "  --scale tiny|mid        tiny (default, seconds) or mid: about 1.2 GB of random float32 weights, the",
            "                          network benchmarks' mid size, for a rough speed check of this machine",
            "  --size WxH              image size, width x height (default 256x256)",
            "  --steps N               denoising steps (default 4)",
            "  --keep DIR              write the tiny model to DIR and keep it (default: a temporary folder,",
            "                          deleted afterwards)");

    record Options(DevicePreference device, SelfTestModel.Scale scale, int width, int height, int steps, Path keep) {}

    private final PrintStream out;
    private final PrintStream err;

    SelfTest(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static Options parse(List<String> args) throws UsageException {
        Arguments a = Arguments.parse("selftest", args, Set.of("--device", "--scale", "--size", "--steps", "--keep"),
                Set.of());
        DevicePreference device = a.has("--device")
                ? GenerateOptions.choice("--device", a.one("--device"), DevicePreference.class) : DevicePreference.AUTO;
        int[] size = a.has("--size") ? GenerateOptions.size("--size", a.one("--size")) : new int[] {256, 256};
        int steps = a.has("--steps") ? GenerateOptions.integer("--steps", a.one("--steps")) : 4;
        String keep = a.one("--keep");
        String scaleName = a.one("--scale");
        SelfTestModel.Scale scale = SelfTestModel.Scale.TINY;
        if (scaleName != null && !scaleName.equals("tiny")) {
            if (!scaleName.equals("mid")) {
                throw new UsageException("--scale '" + scaleName + "' is not one of tiny, mid.");
            }
            scale = SelfTestModel.Scale.MID;
        }
        Options o = new Options(device, scale, size[0], size[1], steps, keep == null ? null : Path.of(keep));
        GenerateOptions.parse("--size", () -> request(o, 0).build()); // validated like a generate request
        return o;
    }

    private static GenerationRequest.Builder request(Options o, double guidance) {
        return GenerationRequest.builder("a red fox in the snow, watercolor").size(o.width(), o.height())
                .steps(o.steps()).guidance(guidance).seed(42);
    }

    int run(Options o) {
        Path folder = null;
        try {
            folder = o.keep() != null ? o.keep() : Files.createTempDirectory("jimeng-selftest");
            long t0 = System.nanoTime();
            SelfTestModel.write(folder, o.scale());
            double writeMs = ms(t0);
            ModelLocation location = new ModelLocator(Map.of(), folder).locate(folder);
            long t1 = System.nanoTime();
            try (ZImagePipeline pipeline = ZImagePipeline.load(location,
                    PipelineOptions.defaults().withDevice(o.device()))) {
                double loadMs = ms(t1);
                out.println(Version.full() + " self-test");
                out.println("Engine: " + TorchRuntime.get().report());
                out.printf(Locale.ROOT, "Random %s model written in %.0f ms (%s), loaded in %.0f ms%n",
                        o.scale().name(), writeMs, folder, loadMs);
                GeneratedImage first = pipeline.generate(request(o, 0).build());
                out.println("Turbo run:   " + JimengCli.timingLine(first.record().timings()));
                GeneratedImage second = pipeline.generate(request(o, 0).build());
                out.println("Same seed:   " + JimengCli.timingLine(second.record().timings()));
                GeneratedImage guided = pipeline.generate(request(o, 2.0).build());
                out.println("Guidance 2:  " + JimengCli.timingLine(guided.record().timings()));
                String problem = check(first, second, guided);
                if (problem != null) {
                    err.println("jimeng: self-test FAILED: " + problem);
                    return JimengCli.FAILED;
                }
                out.println("Self-test passed on " + first.record().device() + " (" + first.record().precision()
                        + "): the same seed gave identical pixels, guidance changed them.");
                return JimengCli.OK;
            }
        } catch (IOException | RuntimeException e) {
            err.println("jimeng: self-test FAILED: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return JimengCli.FAILED;
        } finally {
            if (folder != null && o.keep() == null) {
                deleteQuietly(folder);
            }
        }
    }

    /** What is wrong with the three images, or null. */
    static String check(GeneratedImage first, GeneratedImage second, GeneratedImage guided) {
        if (!Arrays.equals(first.rgb(), second.rgb())) {
            return "the same seed gave different pixels";
        }
        if (Arrays.equals(first.rgb(), guided.rgb())) {
            return "guidance did not change the image";
        }
        byte v = first.rgb()[0];
        for (byte b : first.rgb()) {
            if (b != v) {
                return null;
            }
        }
        return "the image is one flat colour";
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void deleteQuietly(Path folder) {
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temporary folder is not worth failing the self-test for
        }
    }
}
