/**
 * The VAE of Z-Image-Turbo (the 16-channel FLUX AutoencoderKL), decoder and encoder, always in float32.
 *
 * <pre>{@code
 * try (VaeDecoder vae = VaeDecoder.open(modelFolder.resolve("vae"))) {   // or ComfyUI's ae.safetensors
 *     LatentBatch latents = LatentBatch.of(values, 1, 16, h, w);        // refuses bad shapes, NaN, Inf
 *     DecodedImage image = vae.decode(latents).get(0);                  // x/0.3611 + 0.1159, decode, clamp
 *     RgbImage rgb = image.toRgb8();                                    // round half to even, as numpy
 * }
 * try (VaeEncoder vae = VaeEncoder.open(modelFolder.resolve("vae"))) {   // the same weights file
 *     EncoderInput x = EncoderInput.fromRgb8(rgb);                       // 2·(u/255) − 1, NCHW
 *     LatentDistribution d = vae.encode(x);                              // mean, logvar clamped to [-30, 20]
 *     float[] latents = LatentScaling.toSamplerSpace(d.sample(eps), vae.config());   // (x − 0.1159)·0.3611
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
 *   <li>{@link io.github.jimengstudio.vae.VaeEncoder}: conv_in, down blocks, mid block, GroupNorm + SiLU, conv_out
 *       to mean and log-variance ({@link io.github.jimengstudio.vae.LatentDistribution}); its input is an
 *       {@link io.github.jimengstudio.vae.EncoderInput}, and {@link io.github.jimengstudio.vae.LatentScaling} moves
 *       latents between the VAE's and the sampler's space in both directions. Both halves share
 *       {@code ResnetStage}, {@code ResnetBlock}, {@code MidBlock} and the tiling.</li>
 *   <li>{@link io.github.jimengstudio.vae.VaeTiling}, {@link io.github.jimengstudio.vae.TilePlan},
 *       {@link io.github.jimengstudio.vae.TileAxis}: overlapping tiles with a linear cross-fade for pictures above
 *       1024×1024 (or on request).</li>
 *   <li>{@link io.github.jimengstudio.vae.Pixels}: decoder output to float and 8-bit pixels, exactly as diffusers.</li>
 * </ul>
 */
package io.github.jimengstudio.vae;
