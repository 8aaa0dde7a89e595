/**
 * The VAE decoder of Z-Image-Turbo (the 16-channel FLUX AutoencoderKL), always in float32.
 *
 * <pre>{@code
 * try (VaeDecoder vae = VaeDecoder.open(modelFolder.resolve("vae"))) {   // or ComfyUI's ae.safetensors
 *     LatentBatch latents = LatentBatch.of(values, 1, 16, h, w);        // refuses bad shapes, NaN, Inf
 *     DecodedImage image = vae.decode(latents).get(0);                  // x/0.3611 + 0.1159, decode, clamp
 *     RgbImage rgb = image.toRgb8();                                    // round half to even, as numpy
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link io.github.jimengstudio.vae.VaeConfig}: {@code vae/config.json}, other autoencoders refused by name.</li>
 *   <li>{@link io.github.jimengstudio.vae.VaeWeights} / {@link io.github.jimengstudio.vae.LdmVaeNames}: diffusers
 *       names, and the LDM/BFL names of {@code ae.safetensors} (optionally under {@code first_stage_model.} or
 *       {@code vae.}) through one table.</li>
 *   <li>{@link io.github.jimengstudio.vae.VaeDecoder}: conv_in, mid block (resnet, attention, resnet), up blocks,
 *       GroupNorm + SiLU, conv_out; {@code forward} is the bare decoder, {@code decode} the pipeline's last step.</li>
 *   <li>{@link io.github.jimengstudio.vae.VaeTiling}, {@link io.github.jimengstudio.vae.TilePlan},
 *       {@link io.github.jimengstudio.vae.TileAxis}: overlapping tiles with a linear cross-fade for pictures above
 *       1024×1024 (or on request).</li>
 *   <li>{@link io.github.jimengstudio.vae.Pixels}: decoder output to float and 8-bit pixels, exactly as diffusers.</li>
 * </ul>
 */
package io.github.jimengstudio.vae;
