/**
 * The prompt encoder: Z-Image-Turbo's Qwen3-4B, read up to {@code hidden_states[-2]} (zimage-spec.md §2–3).
 *
 * <pre>{@code
 * PromptEmbeddingCache cache = new PromptEmbeddingCache(PromptEmbeddingCache.DEFAULT_MAX_BYTES);
 * try (PromptEncoder enc = PromptEncoder.open(modelDir.resolve("tokenizer"),
 *         modelDir.resolve("text_encoder/config.json"), WeightSources.open(modelDir.resolve("text_encoder")),
 *         modelIdentity, cache)) {
 *     PromptEmbedding e = enc.encode("a red fox in the snow");   // [Lc, 2560] on the heap
 *     e.warning().ifPresent(ui::showWarning);                      // cut at 512 tokens
 *     Tensor capFeats = e.toTensor();                              // float32, for the DiT
 * }
 * }</pre>
 *
 * {@link io.github.jimengstudio.textenc.ChatTemplate} renders the prompt,
 * {@link io.github.jimengstudio.textenc.QwenTokenizer} tokenizes it with the model's own {@code tokenizer.json}
 * (Hugging Face tokenizers through DJL's binding; no special tokens added),
 * {@link io.github.jimengstudio.textenc.Qwen3Encoder} runs the network on the tensor runtime, and
 * {@link io.github.jimengstudio.textenc.PromptEmbeddingCache} keeps recent results. Configuration, weight names
 * and shapes, and tokenizer/vocabulary agreement are all checked before any weight is loaded.
 */
package io.github.jimengstudio.textenc;
