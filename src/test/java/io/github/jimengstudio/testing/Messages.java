package io.github.jimengstudio.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks on the wording of an error: a refusal must name the problem and the fix. */
public final class Messages {
    private Messages() {}

    /** Fails unless the exception's message contains every one of {@code parts}. */
    public static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message lacks <" + part + ">:\n" + e.getMessage());
        }
    }
}
