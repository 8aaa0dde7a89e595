package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds model layouts from the tiny golden weights inside one temp folder. The golden files used are copied
 * there once, and layouts link to those copies (as the HF cache links snapshots to blobs), so a test can remove or
 * replace files freely, and every link stays inside the temp folder that JUnit cleans up.
 */
final class TinyLayouts {
    private final Path root;
    private final Map<String, Path> copies = new HashMap<>();
    private int cases;

    TinyLayouts(Path tempRoot) {
        this.root = tempRoot;
    }

    /** The complete golden HF folder itself (read-only; sharded transformer and text encoder). */
    static Path goldenHfFolder() {
        return Golden.file("e2e-tiny/model");
    }

    /** A new empty folder for one test case. */
    Path fresh() throws IOException {
        return Files.createDirectories(root.resolve("case" + (++cases)));
    }

    /** The temp copy of a golden file or folder (made on first use). */
    Path golden(String relative) {
        return copies.computeIfAbsent(relative, rel -> {
            try {
                Path src = Golden.file(rel);
                Path dst = root.resolve("golden").resolve(rel);
                if (!Files.exists(dst)) { // else copied already as part of a folder
                    copyTree(src, dst);
                }
                return dst;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(src)) {
            all = s.toList();
        }
        for (Path p : all) {
            Path to = dst.resolve(src.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(to);
            } else {
                Files.createDirectories(to.getParent());
                Files.copy(p, to);
            }
        }
    }

    /** Links {@code target} at {@code link}, creating parent folders; copies where links are unsupported. */
    static Path link(Path target, Path link) throws IOException {
        Files.createDirectories(link.getParent());
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(target, link);
        }
        return link;
    }

    /** Recreates the folder tree of {@code src} at {@code dst}, with every file linked. */
    static Path mirror(Path src, Path dst) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(src)) {
            all = s.toList();
        }
        for (Path p : all) {
            Path to = dst.resolve(src.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(to);
            } else {
                link(p, to);
            }
        }
        return dst;
    }

    /** A linked copy of the golden HF folder at {@code dst}. */
    Path hfFolder(Path dst) throws IOException {
        return mirror(golden("e2e-tiny/model"), dst);
    }

    /** An HF folder assembled from the separate tiny components: single-file transformer, text encoder and VAE. */
    Path hfFolderFromComponents(Path dst) throws IOException {
        Path model = golden("e2e-tiny/model");
        link(model.resolve("model_index.json"), dst.resolve("model_index.json"));
        link(model.resolve("scheduler/scheduler_config.json"), dst.resolve("scheduler/scheduler_config.json"));
        mirror(model.resolve("tokenizer"), dst.resolve("tokenizer"));
        link(golden("transformer-tiny/config.json"), dst.resolve("transformer/config.json"));
        link(golden("transformer-tiny/diffusion_pytorch_model.safetensors"),
                dst.resolve("transformer/diffusion_pytorch_model.safetensors"));
        link(golden("text-encoder-tiny/config.json"), dst.resolve("text_encoder/config.json"));
        link(golden("text-encoder-tiny/model.safetensors"), dst.resolve("text_encoder/model.safetensors"));
        link(golden("vae-tiny/config.json"), dst.resolve("vae/config.json"));
        link(golden("vae-tiny/diffusion_pytorch_model.safetensors"),
                dst.resolve("vae/diffusion_pytorch_model.safetensors"));
        return dst;
    }

    /** The three ComfyUI single files under their real names, in the given folder names, without a tokenizer. */
    Path comfyModels(Path models, String ditFolder, String teFolder) throws IOException {
        link(golden("transformer-tiny-comfy/z_image_tiny_comfy.safetensors"),
                models.resolve(ditFolder).resolve(ModelLocator.COMFY_DIT_FILE));
        link(golden("text-encoder-tiny/model.safetensors"), models.resolve(teFolder).resolve(ModelLocator.COMFY_TE_FILE));
        link(golden("vae-tiny-ldm/ae_tiny_ldm.safetensors"), models.resolve("vae").resolve(ModelLocator.COMFY_VAE_FILE));
        return models;
    }

    /** A copy of the tiny tokenizer folder at {@code dst}. */
    Path tokenizer(Path dst) throws IOException {
        return mirror(golden("e2e-tiny/model/tokenizer"), dst);
    }

    /** A ComfyUI models folder with the tokenizer put in {@code models/tokenizer/}. */
    Path comfyModelsWithTokenizer(Path models) throws IOException {
        comfyModels(models, "diffusion_models", "text_encoders");
        tokenizer(models.resolve("tokenizer"));
        return models;
    }

    /** {@code hub/models--Tongyi-MAI--Z-Image-Turbo} with a complete snapshot {@code rev}; refs/main set if asked. */
    Path cachedSnapshot(Path hub, String rev, boolean setRefsMain) throws IOException {
        Path repo = hub.resolve("models--Tongyi-MAI--Z-Image-Turbo");
        hfFolder(repo.resolve("snapshots").resolve(rev));
        if (setRefsMain) {
            writeRef(repo, rev);
        }
        return repo;
    }

    static void writeRef(Path repo, String rev) throws IOException {
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), rev, StandardCharsets.UTF_8);
    }

    /** Replaces a (linked) file with the given text. */
    static void overwrite(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
