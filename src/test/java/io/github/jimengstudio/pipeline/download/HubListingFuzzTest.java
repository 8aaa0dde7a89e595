package io.github.jimengstudio.pipeline.download;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Fuzz;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Hub's file listing, fuzzed as {@code fuzz.ParserFuzzTest} fuzzes the file parsers (see {@link Fuzz}). */
class HubListingFuzzTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA = "a".repeat(64);
    private static final String LISTING = "{\"id\":\"a/b\",\"sha\":\"" + COMMIT + "\",\"siblings\":["
            + "{\"rfilename\":\"model_index.json\",\"size\":3,\"blobId\":\"" + COMMIT + "\"},"
            + "{\"rfilename\":\"vae/w.safetensors\",\"size\":30,\"blobId\":\"" + COMMIT + "\",\"lfs\":{\"sha256\":\""
            + SHA + "\",\"size\":30}}]}";

    @Test
    void listingsAreReadOrRefusedWithAModelDownloadException() {
        HubApi api = new HubApi(DownloadOptions.fromEnvironment(Map.of()));
        int cases = 1500;
        int refused = Fuzz.run("Hub listing", 16, cases, Duration.ofSeconds(20),
                r -> api.parseListing("a/b", "main", r.nextInt(4) == 0 ? LISTING : Fuzz.mutate(r, LISTING)),
                ModelDownloadException.class);
        assertTrue(refused > 0 && refused < cases, refused + " of " + cases + " refused");
    }
}
