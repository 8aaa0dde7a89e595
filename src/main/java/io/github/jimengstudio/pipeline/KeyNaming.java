package io.github.jimengstudio.pipeline;

/**
 * Which tensor names a component's weight file uses, so the loader knows which remapping table (zimage-spec §1)
 * brings them to the canonical names. The locator decides this from the layout, never from the file contents.
 */
public enum KeyNaming {
    /** diffusers {@code state_dict} names (HF {@code transformer/} and {@code vae/}): used as they are. */
    DIFFUSERS,
    /** transformers Qwen3 names ({@code model.layers.N...}), used by both the HF folder and ComfyUI's {@code qwen_3_4b}. */
    TRANSFORMERS,
    /** ComfyUI / original NextDiT names (fused {@code attention.qkv}, {@code x_embedder}, maybe a {@code model.diffusion_model.} prefix). */
    COMFYUI_DIT,
    /** LDM / BFL VAE names as in FLUX {@code ae.safetensors} ({@code decoder.up.3.block.0...}). */
    LDM_VAE
}
