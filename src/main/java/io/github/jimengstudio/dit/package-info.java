/**
 * Z-Image's diffusion transformer (S3-DiT, diffusers {@code ZImageTransformer2DModel}), op for op as
 * zimage-spec.md §4 describes it, over the tensor runtime.
 *
 * <pre>{@code
 * ZImageTransformerConfig config = ZImageTransformerConfig.read(folder.resolve("transformer/config.json"));
 * try (ZImageTransformer dit = ZImageTransformer.load(weights, config)) {      // diffusers or ComfyUI names
 *     List<Tensor> out = dit.forward(latents, t, captions);  // [16, 1, h, w] each, t in [0, 1], [Lc, cap_feat_dim]
 * }
 * }</pre>
 * <ul>
 *   <li>{@link io.github.jimengstudio.dit.ZImageTransformerConfig}: every field of {@code transformer/config.json}, or
 *       for a ComfyUI file without one, what its tensor shapes show ({@code fromShapes}).</li>
 *   <li>{@link io.github.jimengstudio.dit.ZImageWeightNames}: the canonical name/shape table and the one ComfyUI
 *       remapping table (fused qkv split into rows, prefix stripped, {@code norm_final} dropped).</li>
 *   <li>{@link io.github.jimengstudio.dit.ZImageTransformer}: weights plus the forward of spec §4.8;
 *       {@code ZImageBlock}, {@code FinalLayer}, {@code TimestepEmbedder} and {@code Patchifier} are its parts.</li>
 *   <li>{@link io.github.jimengstudio.dit.TokenLayout} and {@link io.github.jimengstudio.dit.RopeEmbedder}: the pure-Java
 *       preprocessing (padding to 32, position ids, RoPE tables with float64 angles), which also validates inputs.</li>
 * </ul>
 * Float32 on the CPU, bfloat16 through the runtime on a GPU; outputs always come back as float32.
 */
package io.github.jimengstudio.dit;
