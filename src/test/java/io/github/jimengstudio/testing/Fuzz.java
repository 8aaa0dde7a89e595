package io.github.jimengstudio.testing;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded fuzzer for the parsers of files and texts that come from users and the network. Each case gets its own
 * {@link Random} from (seed, case number), so a failure names the one case to replay. A case passes when the parser
 * accepts its input or refuses it with one of the exception types it documents, with a message that does not leak
 * gson's internals, within a time and an allocation bound; anything else (an Error, an unchecked exception of
 * another kind, a hang, gigabytes allocated) fails the test with the case's number.
 */
public final class Fuzz {
    private Fuzz() {}

    /** Whatever one case does with its own random numbers. */
    @FunctionalInterface
    public interface Case {
        void run(Random random) throws Exception;
    }

    /** One case may take this long; the parsers read inputs of kilobytes. */
    public static final Duration CASE_TIME = Duration.ofSeconds(2);
    /** One case may allocate this much on the heap (a whole PNG text bomb is allowed up to its 64 MB cap). */
    public static final long CASE_BYTES = 512L << 20;

    /**
     * Runs {@code cases} cases of {@code parser} within {@code budget} in all. @return the number of inputs refused
     * (the rest were accepted), so a caller can check the fuzzer reached both outcomes
     */
    @SafeVarargs
    public static int run(String parser, long seed, int cases, Duration budget, Case c,
            Class<? extends Exception>... allowed) {
        return assertTimeoutPreemptively(budget, () -> {
            int refused = 0;
            for (int i = 0; i < cases; i++) {
                Random random = new Random(seed * 1_000_003L + i);
                long bytes = allocatedBytes();
                long start = System.nanoTime();
                try {
                    c.run(random);
                } catch (Throwable t) {
                    check(parser, seed, i, t, allowed);
                    refused++;
                }
                long nanos = System.nanoTime() - start;
                if (nanos > CASE_TIME.toNanos()) {
                    fail(parser + " case " + i + " (seed " + seed + ") took " + nanos / 1_000_000 + " ms");
                }
                long used = allocatedBytes() - bytes;
                if (used > CASE_BYTES) {
                    fail(parser + " case " + i + " (seed " + seed + ") allocated " + (used >> 20) + " MB");
                }
            }
            return refused;
        }, () -> parser + ": " + cases + " cases did not finish within " + budget);
    }

    private static void check(String parser, long seed, int i, Throwable t, Class<? extends Exception>[] allowed) {
        String where = parser + " case " + i + " (seed " + seed + ")";
        if (Arrays.stream(allowed).noneMatch(a -> a.isInstance(t))) {
            throw new AssertionError(where + " threw " + t.getClass().getName() + ", not one of "
                    + Arrays.toString(allowed), t);
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            throw new AssertionError(where + " threw " + t.getClass().getName() + " without a message", t);
        }
        for (String leak : List.of("path $", "setLenient", "JsonReader", "troubleshooting.md")) {
            if (m.contains(leak)) {
                throw new AssertionError(where + ": the message shows gson's internals (" + leak + "): " + m, t);
            }
        }
    }

    /** Bytes this thread has allocated so far (HotSpot), or 0 where the JVM does not count them. */
    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return 0;
    }

    // ---- mutations --------------------------------------------------------------------------------------------

    /** Pieces that break parsers: structure, extreme numbers, escapes, nesting. */
    private static final String[] TOKENS = {"[", "]", "{", "}", "\"", "\\", ",", ":", "null", "true", "-1", "0",
        "1e999", "-1e999", "NaN", "Infinity", "99999999999999999999", "2147483648", "-9223372036854775809", "4.5",
        "[]", "{}", "\"\"", "\\u0000", "\\ud800", "雪", "\u0000", "\n", " ", "\"x\":", "[[[[", "{\"a\":"};

    /** {@code text} with one to four random edits: deletions, duplications, token insertions, truncation. */
    public static String mutate(Random r, String text) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = s.length() == 0 ? 0 : r.nextInt(s.length() + 1);
            switch (r.nextInt(7)) {
                case 0 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(8)));
                case 1 -> {
                    int end = Math.min(s.length(), at + 1 + r.nextInt(40));
                    s.insert(at, s.substring(at, end));
                }
                case 2, 3 -> s.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 4 -> s.setLength(at);
                case 5 -> s.insert(at, (r.nextBoolean() ? "[" : "{\"k\":").repeat(1 + r.nextInt(r.nextInt(8) == 0
                        ? 100_000 : 80)));
                default -> replaceNumber(r, s);
            }
        }
        return s.toString();
    }

    private static void replaceNumber(Random r, StringBuilder s) {
        for (int tries = 0; tries < 20 && s.length() > 0; tries++) {
            int at = r.nextInt(s.length());
            if (Character.isDigit(s.charAt(at))) {
                int end = at;
                while (end < s.length() && Character.isDigit(s.charAt(end))) {
                    end++;
                }
                String[] extremes = {"0", "-1", "1000000000", "2147483647", "2147483648", "-2147483648",
                    "9223372036854775807", "18446744073709551616", "1e308", "3"};
                s.replace(at, end, extremes[r.nextInt(extremes.length)]);
                return;
            }
        }
    }

    /** {@code bytes} with one to four random byte edits (flips, overwrites, truncation, growth). */
    public static byte[] mutate(Random r, byte[] bytes) {
        byte[] b = bytes.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            if (b.length == 0) {
                b = new byte[] {(byte) r.nextInt()};
            }
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt();
                case 2 -> b = Arrays.copyOf(b, at);
                default -> b = Arrays.copyOf(b, b.length + r.nextInt(64));
            }
        }
        return b;
    }

    /** A random JSON value, at most a few levels deep: what a field of the wrong kind might hold. */
    public static String randomValue(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> TOKENS[r.nextInt(TOKENS.length)];
            case 1 -> Long.toString(r.nextLong());
            case 2 -> Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20));
            case 3 -> "\"" + randomText(r, 12).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case 4 -> "[" + randomValue(r) + "," + randomValue(r) + "]";
            default -> "{\"" + randomText(r, 4).replace("\\", "").replace("\"", "") + "\":" + randomValue(r) + "}";
        };
    }

    /** Up to {@code max} random characters, some outside ASCII. */
    public static String randomText(Random r, int max) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            s.append(r.nextInt(8) == 0 ? (char) (0x80 + r.nextInt(0x3000)) : (char) (32 + r.nextInt(95)));
        }
        return s.toString();
    }

    /** UTF-8 bytes. */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
