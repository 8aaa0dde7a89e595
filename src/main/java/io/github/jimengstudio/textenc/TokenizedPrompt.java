package io.github.jimengstudio.textenc;

import java.util.Optional;

/**
 * Token ids of one templated prompt, at most the encoder's limit long, and whether the limit cut it.
 *
 * <p>The pipeline tokenizes with {@code truncation=True, max_length=512}: the first 512 tokens are kept and the
 * rest silently dropped — including the end of the template, so the model no longer sees where the user turn
 * ends. Here that is reported instead: {@link #warning()} is the text the user is shown.
 *
 * @param fullLength the number of tokens before truncation ({@code ids.length} when nothing was cut)
 */
public record TokenizedPrompt(long[] ids, int fullLength) {

    public TokenizedPrompt {
        ids = ids.clone();
        if (fullLength < ids.length) {
            throw new IllegalArgumentException("fullLength " + fullLength + " < kept length " + ids.length);
        }
    }

    @Override
    public long[] ids() {
        return ids.clone();
    }

    /** Number of tokens the encoder reads. */
    public int length() {
        return ids.length;
    }

    public long id(int position) {
        return ids[position];
    }

    public boolean truncated() {
        return fullLength > ids.length;
    }

    /** What to tell the user when the prompt was cut; empty when it fits. */
    public Optional<String> warning() {
        if (!truncated()) {
            return Optional.empty();
        }
        return Optional.of("The prompt is " + fullLength + " tokens long with the chat template; the text encoder"
                + " reads only the first " + ids.length + ", so the end of the prompt (" + (fullLength - ids.length)
                + " tokens) is ignored. Shorten the prompt to use all of it.");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedPrompt t && fullLength == t.fullLength && java.util.Arrays.equals(ids, t.ids);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(ids) * 31 + fullLength;
    }

    @Override
    public String toString() {
        return "TokenizedPrompt[" + ids.length + " tokens" + (truncated() ? ", cut from " + fullLength : "") + "]";
    }
}
