package io.github.jimengstudio.bench;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.SelfTestModel;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.runtime.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A mid-size model end to end, split by stage: the self-test's "mid" random model (text encoder hidden 1024 × 8
 * layers, DiT width 1024 × 8 layers, the real FLUX VAE widths) written to a temporary folder, loaded, and run at
 * {@code size}×{@code size} px for {@code steps} steps after a small warm-up generation. Prints encode, each step,
 * decode, the time to the first preview and the total, for each timed run.
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/cp.txt)
 * io.github.jimengstudio.bench.PipelineStageBench [size=512] [steps=4] [runs=2]}
 */
public final class PipelineStageBench {
    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("jimeng-stage-bench");
        try {
            long t0 = System.nanoTime();
            SelfTestModel.write(dir, SelfTestModel.Scale.MID);
            System.out.printf(Locale.ROOT, "mid model written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            try (ZImagePipeline p = ZImagePipeline.load(new ModelLocator(Map.of(), dir).locate(dir),
                    PipelineOptions.defaults())) {
                System.out.printf(Locale.ROOT, "loaded in %.1f s; %s%n", (System.nanoTime() - t1) / 1e9,
                        TorchRuntime.get().report());
                p.generate(GenerationRequest.builder("warm-up").size(128, 128).steps(1).seed(1).build());
                for (int r = 0; r < runs; r++) {
                    GeneratedImage img = p.generate(GenerationRequest.builder("a red fox in the snow, watercolor, "
                            + "run " + r).size(size, size).steps(steps).seed(42 + r).build());
                    GenerationTimings t = img.record().timings();
                    System.out.printf(Locale.ROOT, "run %d, %dx%d, %d steps: encode %.0f ms, steps [%s] ms,"
                            + " decode %.0f ms, first preview %.0f ms, total %.0f ms, RSS %.0f MB%n", r, size, size,
                            steps, t.millis(Stage.ENCODING), t.stepMillis().stream()
                                    .map(ms -> String.format(Locale.ROOT, "%.0f", ms))
                                    .collect(Collectors.joining(", ")),
                            t.millis(Stage.DECODING), t.firstPreviewMillis(), t.totalMillis(),
                            NativeMemory.residentBytes() / 1e6);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
