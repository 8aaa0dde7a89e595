package io.github.jimengstudio.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test over model layouts built from the tiny golden weights: the golden files are copied once per test class
 * into its temp folder ({@link TinyLayouts}), and every test gets a fresh empty folder {@link #tmp} beside them.
 */
abstract class TinyLayoutTest {
    @TempDir
    static Path shared;
    static TinyLayouts layouts;
    /** This test's own empty folder. */
    Path tmp;
    /** A locator that sees no environment variables and no home folder: only the paths a test names. */
    final ModelLocator locator = new ModelLocator(Map.of(), Path.of("/nonexistent-home"));

    @BeforeAll
    static void copyGolden() {
        layouts = new TinyLayouts(shared);
    }

    @BeforeEach
    void freshFolder() throws IOException {
        tmp = layouts.fresh();
    }
}
