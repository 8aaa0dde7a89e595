package io.github.jimengstudio.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * No complete Z-Image-Turbo model was found. The message lists every place looked at and, for each, exactly what
 * was missing there, followed by how to get the model; {@link #places()} gives the same as data.
 */
public final class ModelNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * One place that was looked at.
     *
     * @param path     the folder as given (absolute)
     * @param takenFor the layout it was recognised as, or null when it did not look like any
     * @param problems what is missing or wrong there, one self-contained sentence each (naming the file or folder)
     */
    public record Place(Path path, LayoutKind takenFor, List<String> problems) {
        public Place {
            Objects.requireNonNull(path, "path");
            problems = List.copyOf(problems);
            if (problems.isEmpty()) {
                throw new IllegalArgumentException("a place that failed must say why: " + path);
            }
        }
    }

    /** How to obtain the model, in both supported download forms. */
    public static final String HOW_TO_GET = String.join("\n",
            "How to get Z-Image-Turbo (either form works):",
            "  - Hugging Face (diffusers layout, about 33 GB): hf download " + ModelLocator.ZIMAGE_REPO
                    + " --local-dir <folder>   (the older huggingface-cli download takes the same arguments;",
            "    leave out --local-dir to fill the Hugging Face cache, which is searched automatically),"
                    + " then give that folder.",
            "  - ComfyUI single files (Hugging Face repo " + ModelLocator.COMFY_REPO + ", folder split_files/): put "
                    + "diffusion_models/" + ModelLocator.COMFY_DIT_FILE + ", text_encoders/"
                    + ModelLocator.COMFY_TE_FILE + " and vae/" + ModelLocator.COMFY_VAE_FILE,
            "    into ComfyUI/models/, and add the tokenizer, which ComfyUI files lack: hf download "
                    + ModelLocator.ZIMAGE_REPO + " --include \"tokenizer/*\" --local-dir ComfyUI/models");

    private final List<Place> places;

    public ModelNotFoundException(List<Place> places) {
        super(compose(places));
        this.places = List.copyOf(places);
    }

    /** Every place looked at, in search order. */
    public List<Place> places() {
        return places;
    }

    private static String compose(List<Place> places) {
        StringBuilder sb = new StringBuilder("No complete Z-Image-Turbo model found. Looked in:\n");
        if (places.isEmpty()) {
            sb.append("  (no places to look in were given)\n");
        }
        for (Place p : places) {
            sb.append("  ").append(p.path());
            if (p.takenFor() != null) {
                sb.append(" (").append(p.takenFor().label()).append(')');
            }
            if (p.problems().size() == 1 && p.takenFor() == null) {
                sb.append(": ").append(p.problems().get(0)).append('\n');
                continue;
            }
            sb.append(":\n");
            for (String problem : p.problems()) {
                sb.append("    - ").append(problem).append('\n');
            }
        }
        return sb.append(HOW_TO_GET).toString();
    }
}
