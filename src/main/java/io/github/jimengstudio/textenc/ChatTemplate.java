package io.github.jimengstudio.textenc;

import java.util.Objects;

/**
 * The text the encoder actually reads: the prompt wrapped as one user turn of Qwen3's chat format, followed by the
 * opening of the assistant's turn.
 *
 * <p>diffusers renders {@code [{"role": "user", "content": prompt}]} with
 * {@code apply_chat_template(add_generation_prompt=True, enable_thinking=True)}. Qwen3's template adds no system
 * turn, and inserts its empty {@code <think>} block only when thinking is <em>disabled</em>, so the result is
 * exactly {@code "<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n"}. ComfyUI hard-codes the
 * same string. Jinja is not evaluated here: the one rendering the pipeline needs is written out.
 */
public final class ChatTemplate {

    /** The Z-Image-Turbo prompt template (zimage-spec.md §2). */
    public static final ChatTemplate QWEN3_USER_TURN =
            new ChatTemplate("<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n");

    private final String prefix;
    private final String suffix;
    private final String identity;

    private ChatTemplate(String prefix, String suffix) {
        this.prefix = prefix;
        this.suffix = suffix;
        this.identity = prefix + "{prompt}" + suffix;
    }

    /** The prompt as the tokenizer receives it. The prompt is taken verbatim (no trimming, no escaping). */
    public String apply(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        return prefix + prompt + suffix;
    }

    /**
     * A string that identifies this template completely, for cache keys: two templates with the same identity
     * render every prompt the same way.
     */
    public String identity() {
        return identity;
    }

    @Override
    public String toString() {
        return identity();
    }
}
