package io.github.jimengstudio.bench;

import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.PipelineOptions;
import io.github.jimengstudio.pipeline.ZImagePipeline;
import io.github.jimengstudio.runtime.NativeMemory;
import io.github.jimengstudio.testing.Golden;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Native memory over many generations: the golden e2e-tiny model, 256×256, 4 steps, a new prompt and seed every
 * time (so the text encoder runs, and every fifth with guidance 3). The process RSS is read after each generation
 * (the pipeline trims glibc's heap at the end of each); growth is measured from generation 10, after warm-up.
 * Run it with a fixed, pre-touched Java heap, so that the JVM growing its heap (garbage from the float arrays, until
 * a collection) does not show up as RSS growth: what grows then is native memory.
 *
 * <p>Run: {@code java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -cp target/test-classes:target/classes:$(cat
 * target/cp.txt) io.github.jimengstudio.bench.PipelineMemoryBench [generations=100]}
 */
public final class PipelineMemoryBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path model = Golden.file("e2e-tiny/model");
        try (ZImagePipeline p = ZImagePipeline.load(new ModelLocator(Map.of(), Path.of("/nonexistent"))
                .locate(model), PipelineOptions.defaults())) {
            long base = -1;
            long max = 0;
            long start = System.nanoTime();
            for (int i = 1; i <= n; i++) {
                GenerationRequest r = GenerationRequest.builder("a red fox in the snow, watercolor, take " + i)
                        // sizes, prompt lengths and guidance change: packed weight copies are remade and freed
                        .size(i % 3 == 0 ? 192 : 256, 256).steps(4).seed(i).guidance(i % 5 == 0 ? 3.0 : 0.0).build();
                p.generate(r);
                long rss = NativeMemory.residentBytes();
                if (i == 10) {
                    base = rss;
                }
                if (i >= 10) {
                    max = Math.max(max, rss);
                }
                if (i % 10 == 0 || i == 1) {
                    Runtime rt = Runtime.getRuntime();
                    System.out.printf(Locale.ROOT, "generation %3d: RSS %7.1f MB, Java heap used %6.1f of %6.1f MB"
                            + " committed%n", i, rss / 1e6, (rt.totalMemory() - rt.freeMemory()) / 1e6,
                            rt.totalMemory() / 1e6);
                }
            }
            long end = NativeMemory.residentBytes();
            System.out.printf(Locale.ROOT, "%d generations in %.1f s; RSS after 10: %.1f MB, after %d: %.1f MB"
                    + " (growth %+.2f %%), highest from 10 on: %.1f MB (%+.2f %%)%n", n,
                    (System.nanoTime() - start) / 1e9, base / 1e6, n, end / 1e6, 100.0 * (end - base) / base,
                    max / 1e6, 100.0 * (max - base) / base);
        }
    }
}
