package io.github.jimengstudio.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Hugging Face diffusers layout of {@code Tongyi-MAI/Z-Image-Turbo} (zimage-spec §1.1): {@code model_index.json}
 * and one folder per component. A component's weights are {@code <stem>.safetensors}, or, when that is absent,
 * shards named by {@code <stem>.safetensors.index.json}. Variant files ({@code .fp16.safetensors}) and pickle
 * checkpoints ({@code .bin}) are not read; the official repository has neither.
 */
final class HfFolderLayout {
    static final String MODEL_INDEX = "model_index.json";
    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String SCHEDULER_CONFIG = "scheduler_config.json";

    /** A component entry of model_index.json and the classes this engine implements for it. */
    private record Entry(String name, String what, Set<String> classes) {}

    private static final Entry TRANSFORMER = new Entry("transformer", "DiT", Set.of("ZImageTransformer2DModel"));
    // diffusers loads the encoder as Qwen3Model; a Qwen3ForCausalLM entry names the same weights plus an unused head.
    private static final Entry TEXT_ENCODER =
            new Entry("text_encoder", "text encoder", Set.of("Qwen3Model", "Qwen3ForCausalLM"));
    private static final Entry VAE = new Entry("vae", "VAE", Set.of("AutoencoderKL"));
    private static final Entry TOKENIZER = new Entry("tokenizer", "tokenizer", Set.of("Qwen2Tokenizer", "Qwen2TokenizerFast"));
    private static final Entry SCHEDULER =
            new Entry("scheduler", "scheduler", Set.of("FlowMatchEulerDiscreteScheduler"));

    private HfFolderLayout() {}

    /** Signs that a folder is meant to be this layout even when model_index.json is missing. */
    static final List<String> SIGNATURE_FOLDERS = List.of("transformer", "text_encoder", "tokenizer", "scheduler");

    /**
     * Checks {@code folder}; returns the location, or null with every problem recorded.
     *
     * @param identity the identity to record, or null to derive one from the files
     */
    static ModelLocation check(Path folder, LayoutKind kind, String identity, Findings findings) {
        checkModelIndex(folder, findings);
        ComponentFiles transformer = component(folder, TRANSFORMER, "diffusion_pytorch_model", KeyNaming.DIFFUSERS, findings);
        ComponentFiles textEncoder = component(folder, TEXT_ENCODER, "model", KeyNaming.TRANSFORMERS, findings);
        ComponentFiles vae = component(folder, VAE, "diffusion_pytorch_model", KeyNaming.DIFFUSERS, findings);
        Path tokenizer = requiredFile(folder, TOKENIZER, TOKENIZER_FILE, findings);
        Path scheduler = requiredFile(folder, SCHEDULER, SCHEDULER_CONFIG, findings);
        if (!findings.ok()) {
            return null;
        }
        Path tokenizerFolder = tokenizer.getParent();
        if (identity == null) {
            List<Path> files = new ArrayList<>();
            for (ComponentFiles c : List.of(transformer, textEncoder, vae)) {
                files.addAll(c.weightFiles());
                files.add(c.config().orElseThrow());
            }
            files.add(tokenizer);
            files.add(scheduler);
            identity = "hf-folder:" + folder.getFileName() + "#" + Fingerprint.of(folder, files);
        }
        return new ModelLocation(kind, folder, identity, transformer, textEncoder, vae, tokenizerFolder,
                Optional.of(scheduler), findings.notes);
    }

    private static void checkModelIndex(Path folder, Findings findings) {
        Path file = folder.resolve(MODEL_INDEX);
        String problem = FileChecks.fileProblem(file);
        if (problem != null) {
            findings.problem(problem.equals("missing") ? folder + ": no " + MODEL_INDEX : file + ": " + problem);
            return;
        }
        JsonObject index = FileChecks.readJsonObject(file, findings);
        if (index == null) {
            return;
        }
        for (Entry e : List.of(TRANSFORMER, TEXT_ENCODER, VAE, TOKENIZER, SCHEDULER)) {
            JsonElement value = index.get(e.name());
            if (value == null) {
                findings.problem(file + ": has no \"" + e.name() + "\" entry");
                continue;
            }
            String className = className(value);
            if (className == null) {
                findings.problem(file + ": entry \"" + e.name() + "\" is " + value + ", expected [library, class]");
            } else if (!e.classes().contains(className)) {
                findings.problem(file + ": names " + e.name() + " class " + className + ", expected "
                        + String.join(" or ", e.classes().stream().sorted().toList())
                        + " (this is not a Z-Image model, or a variant this engine does not implement)");
            }
        }
    }

    private static String className(JsonElement value) {
        if (!value.isJsonArray()) {
            return null;
        }
        JsonArray a = value.getAsJsonArray();
        if (a.size() != 2 || !a.get(1).isJsonPrimitive() || !a.get(1).getAsJsonPrimitive().isString()) {
            return null;
        }
        return a.get(1).getAsString();
    }

    private static ComponentFiles component(Path folder, Entry entry, String stem, KeyNaming naming,
            Findings findings) {
        Path dir = folder.resolve(entry.name());
        String dirProblem = FileChecks.folderProblem(dir);
        if (dirProblem != null) {
            findings.problem(dir + ": " + dirProblem + " (the " + entry.what() + " folder)");
            return null;
        }
        Path config = dir.resolve("config.json");
        String configProblem = FileChecks.fileProblem(config);
        if (configProblem != null) {
            findings.problem(configProblem.equals("missing") ? dir + ": no config.json" : config + ": " + configProblem);
        }
        Path single = dir.resolve(stem + ".safetensors");
        Path index = dir.resolve(stem + ".safetensors.index.json");
        String singleProblem = FileChecks.fileProblem(single);
        String indexProblem = FileChecks.fileProblem(index);
        Path weights;
        List<Path> files;
        if (singleProblem == null) {
            weights = single;
            files = List.of(single);
        } else if (indexProblem == null) {
            weights = index;
            files = ShardIndex.shards(index, findings);
        } else {
            if (!singleProblem.equals("missing")) {
                findings.problem(single + ": " + singleProblem);
            } else if (!indexProblem.equals("missing")) {
                findings.problem(index + ": " + indexProblem);
            } else {
                findings.problem(dir + ": no " + stem + ".safetensors (or " + stem + ".safetensors.index.json)"
                        + FileChecks.contentsHint(dir));
            }
            return null;
        }
        if (files == null || configProblem != null) {
            return null;
        }
        return new ComponentFiles(entry.name(), weights, files, Optional.of(config), naming);
    }

    /** {@code folder/<entry>/<fileName>}, or null after recording what is missing. */
    private static Path requiredFile(Path folder, Entry entry, String fileName, Findings findings) {
        Path dir = folder.resolve(entry.name());
        String dirProblem = FileChecks.folderProblem(dir);
        if (dirProblem != null) {
            findings.problem(dir + ": " + dirProblem + " (the " + entry.what() + " folder)");
            return null;
        }
        Path file = dir.resolve(fileName);
        String problem = FileChecks.fileProblem(file);
        if (problem != null) {
            findings.problem(problem.equals("missing") ? dir + ": no " + fileName : file + ": " + problem);
            return null;
        }
        return file;
    }
}
