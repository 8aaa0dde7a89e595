package io.github.jimengstudio.pipeline;

/** The on-disk form in which a Z-Image-Turbo model was found. */
public enum LayoutKind {
    /** A Hugging Face diffusers folder ({@code model_index.json}, {@code transformer/}, ...), e.g. a {@code --local-dir} download. */
    HF_FOLDER("Hugging Face folder"),
    /** A snapshot inside the Hugging Face hub cache ({@code models--Tongyi-MAI--Z-Image-Turbo/snapshots/<rev>/}). */
    HF_CACHE("Hugging Face cache"),
    /** ComfyUI single files ({@code z_image_turbo*.safetensors}, {@code qwen_3_4b*.safetensors}, {@code ae.safetensors}). */
    COMFYUI("ComfyUI models folder");

    private final String label;

    LayoutKind(String label) {
        this.label = label;
    }

    /** A few words for messages. */
    public String label() {
        return label;
    }
}
