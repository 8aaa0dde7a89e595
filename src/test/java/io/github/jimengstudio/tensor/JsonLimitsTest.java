package io.github.jimengstudio.tensor;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLimitsTest {

    @TempDir
    Path dir;

    @Test
    void nestingDeeperThanTheLimitIsRefusedBeforeGsonSeesItNamingTheOrigin() {
        // 100,000 '[' made gson's error message (and toString) recurse until the stack overflowed
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonLimits.parse("[".repeat(100_000) + "]".repeat(100_000), "the record"));
        assertMentions(e, "the record: ", "nests JSON deeper than " + JsonLimits.MAX_DEPTH + " levels");
        assertThrows(IllegalArgumentException.class, () -> JsonLimits.parse("{\"a\":" + "[".repeat(20_000), "x"));
    }

    @Test
    void nestingAtTheLimitAndBracketsInsideStringsAreAccepted() {
        int d = JsonLimits.MAX_DEPTH;
        assertEquals(d, depthOf(JsonLimits.parse("[".repeat(d) + "]".repeat(d), "x")));
        String bracketsInText = "{\"tags\": \"" + "[{".repeat(5000) + "\\\"[\"}";
        assertEquals("[{".repeat(5000) + "\"[", JsonLimits.parseObject(bracketsInText, "x", "it").get("tags")
                .getAsString());
        assertNull(JsonLimits.shapeProblem(bracketsInText, 1 << 20));
    }

    private static int depthOf(com.google.gson.JsonElement e) {
        return e.isJsonArray() && e.getAsJsonArray().size() > 0 ? 1 + depthOf(e.getAsJsonArray().get(0))
                : e.isJsonArray() ? 1 : 0;
    }

    @Test
    void textLargerThanTheCallerAllowsIsRefusedWithItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonLimits.parse("\"" + "x".repeat(200) + "\"", "listing", 100));
        assertMentions(e, "listing: is 202 characters of JSON, more than the 100");
    }

    @Test
    void malformedJsonIsDescribedWithoutGsonsInternals() {
        for (String bad : new String[] {"{\"not\": tru}", "{\"a\": 1,}", "[1, 2", "{\"a\": 1} x", "{a: 1}", "NaN"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JsonLimits.parse(bad, "cfg.json"), bad);
            assertMentions(e, "cfg.json: is not valid JSON (");
            assertFalse(e.getMessage().contains("path $"), e.getMessage());
            assertFalse(e.getMessage().contains("setLenient"), e.getMessage());
            assertFalse(e.getMessage().contains("troubleshooting"), e.getMessage());
        }
    }

    @Test
    void aValueThatMustBeAnObjectButIsNotSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonLimits.parseObject("[1]", "vae/config.json", "a VAE config"));
        assertEquals("vae/config.json: a VAE config must be a JSON object", e.getMessage());
    }

    @Test
    void readTextRefusesAFifoWithoutBlockingAndADeviceWithoutReadingForever() throws Exception {
        Path fifo = dir.resolve("config.json");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IOException.class, () -> JsonLimits.readText(fifo, 1000)));
        assertMentions(e, fifo.toString(), "FIFO, device or socket");
        IOException zero = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IOException.class, () -> JsonLimits.readText(Path.of("/dev/zero"), 1000)));
        assertMentions(zero, "/dev/zero", "not an ordinary file");
    }

    @Test
    void readTextRefusesAFileLargerThanAllowedAndReportsAMissingOneAsMissing() throws IOException {
        Path big = Files.writeString(dir.resolve("big.json"), "x".repeat(2000));
        assertMentions(assertThrows(IOException.class, () -> JsonLimits.readText(big, 1000)), "larger than the 1000");
        assertEquals("x".repeat(2000), JsonLimits.readText(big, 2000));
        assertThrows(NoSuchFileException.class, () -> JsonLimits.readText(dir.resolve("none.json"), 1000));
    }
}
