/**
 * LoRA library, file formats and runtime application (DESIGN.md §4).
 *
 * <pre>{@code
 * LoraLibrary library = new LoraLibrary(folder);            // *.safetensors below the folder, headers only
 * library.rescan();                                          // or library.watch(): added / removed / changed
 * try (LoraManager loras = LoraManager.attachedTo(library, dit.linears(), dit.computeType(),
 *         LoraManager.DEFAULT_CACHE_BYTES)) {
 *     loras.select(List.of(new LoraSelection("ink_style", 0.8)));   // parse, validate, upload once, swap
 *     dit.forward(...);                                              // W x + 0.8 · scale · B (A x)
 *     loras.select(List.of());                                       // the base model, bit for bit
 * }
 * }</pre>
 * <ul>
 *   <li>{@link io.github.jimengstudio.lora.LoraLibrary} / {@link io.github.jimengstudio.lora.LoraInfo}: the folder,
 *       names confined to it, format / rank / targets / kohya and SAI metadata from the header.</li>
 *   <li>{@link io.github.jimengstudio.lora.LoraParser}: diffusers/PEFT, kohya/musubi, ComfyUI/ai-toolkit (fused
 *       {@code attention.qkv} split onto q/k/v), DiffSynth and the dot variant into canonical
 *       {@link io.github.jimengstudio.lora.LoraAdapter}s keyed by diffusers weight names; kohya alpha folded as
 *       diffusers folds it. All or nothing: {@link io.github.jimengstudio.lora.LoraRejectedException} lists every
 *       tensor that does not fit, with the likely cause ("this looks like a FLUX LoRA").</li>
 *   <li>{@link io.github.jimengstudio.lora.LoraManager} / {@link io.github.jimengstudio.lora.LoraSwitch}: runtime
 *       adapters on the transformer's {@link io.github.jimengstudio.nn.Linear}s, swapped atomically; factors uploaded
 *       once ({@link io.github.jimengstudio.lora.DeviceLora}) and cached by bytes; stacking; optional fuse-for-speed
 *       that reloads the exact base weights from the checkpoint when it is undone. An adapter is idle when it adds
 *       nothing, and hands its update over as low-rank terms, so a transformer block still runs in one native
 *       call with LoRAs active.</li>
 * </ul>
 */
package io.github.jimengstudio.lora;
