package io.github.jimengstudio.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * ComfyUI's models folder (zimage-spec §1.2): {@code diffusion_models/z_image_turbo*.safetensors} (or the older
 * folder name {@code unet/}), {@code text_encoders/qwen_3_4b*.safetensors} (or {@code clip/}) and
 * {@code vae/ae.safetensors}. Files may sit in subfolders, as ComfyUI lists those too. Single files carry no
 * config.json, no scheduler config and no tokenizer; the tokenizer is looked for in fixed places (see
 * {@link #tokenizerPlaces}).
 */
final class ComfyUiLayout {
    static final List<String> DIT_FOLDERS = List.of("diffusion_models", "unet");
    static final List<String> TE_FOLDERS = List.of("text_encoders", "clip");
    static final String VAE_FOLDER = "vae";
    /** Where a tokenizer for ComfyUI files may be put by hand, beside the text encoder. */
    static final String TE_TOKENIZER_FOLDER = "qwen_3_4b_tokenizer";
    /** How deep below a model folder files are looked for (ComfyUI users sort files into subfolders). */
    private static final int MAX_DEPTH = 3;

    private ComfyUiLayout() {}

    /** True when the folder has one of the ComfyUI folders that only this layout uses. */
    static boolean looksLike(Path dir) {
        for (String name : concat(DIT_FOLDERS, TE_FOLDERS)) {
            if (Files.isDirectory(dir.resolve(name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks the ComfyUI models folder {@code root}; returns the location, or null with every problem recorded.
     *
     * @param identity  the identity to record, or null to derive one from the files
     * @param hubCaches Hugging Face hub caches to take a tokenizer from when none is beside the files
     */
    static ModelLocation check(Path root, String identity, List<Path> hubCaches, Findings findings) {
        Path dit = pick(root, DIT_FOLDERS, "the DiT", name -> name.startsWith("z_image_turbo"),
                "z_image_turbo*.safetensors", ModelLocator.COMFY_DIT_FILE, findings);
        Path te = pick(root, TE_FOLDERS, "the text encoder", name -> name.startsWith("qwen_3_4b"),
                "qwen_3_4b*.safetensors", ModelLocator.COMFY_TE_FILE, findings);
        Path vae = pick(root, List.of(VAE_FOLDER), "the VAE", name -> name.equals(ModelLocator.COMFY_VAE_FILE),
                ModelLocator.COMFY_VAE_FILE, ModelLocator.COMFY_VAE_FILE, findings);
        Path tokenizer = tokenizer(root, te, hubCaches, findings);
        if (!findings.ok()) {
            return null;
        }
        findings.note("transformer, text_encoder, vae: ComfyUI single files carry no config.json;"
                + " each configuration is inferred from the tensor shapes");
        findings.note("scheduler: ComfyUI files carry no scheduler config; the Turbo defaults apply"
                + " (FlowMatchEulerDiscreteScheduler, shift 3.0)");
        if (identity == null) {
            identity = "comfyui:" + dit.getFileName() + "+" + te.getFileName() + "+" + vae.getFileName() + "#"
                    + Fingerprint.of(root, List.of(dit, te, vae, tokenizer.resolve(HfFolderLayout.TOKENIZER_FILE)));
        }
        return new ModelLocation(LayoutKind.COMFYUI, root, identity,
                new ComponentFiles("transformer", dit, List.of(dit), Optional.empty(), KeyNaming.COMFYUI_DIT),
                new ComponentFiles("text_encoder", te, List.of(te), Optional.empty(), KeyNaming.TRANSFORMERS),
                new ComponentFiles("vae", vae, List.of(vae), Optional.empty(), KeyNaming.LDM_VAE),
                tokenizer, Optional.empty(), findings.notes);
    }

    /**
     * The file for one component: the canonical name if present, else the first match by path. fp8 files are
     * passed over (the tensor layer reads F32/F16/BF16 only). Null after recording what is missing.
     */
    private static Path pick(Path root, List<String> folders, String what, Predicate<String> nameMatches,
            String pattern, String canonical, Findings findings) {
        List<Path> dirs = folders.stream().map(root::resolve).filter(Files::isDirectory).toList();
        if (dirs.isEmpty()) {
            findings.problem(root + ": no " + String.join("/ or ", folders) + "/ folder, which should hold "
                    + canonical + " (" + what + ")");
            return null;
        }
        List<Path> matches = new ArrayList<>();
        for (Path dir : dirs) {
            matches.addAll(find(dir, nameMatches, findings));
        }
        List<String> unusable = new ArrayList<>();
        List<Path> fp8 = new ArrayList<>();
        List<Path> usable = new ArrayList<>();
        for (Path p : matches) {
            String problem = FileChecks.fileProblem(p);
            if (problem != null) {
                unusable.add(p + ": " + problem);
            } else if (lowerName(p).contains("fp8")) {
                fp8.add(p);
            } else {
                usable.add(p);
            }
        }
        if (usable.isEmpty()) {
            String where = String.join(" or ", dirs.stream().map(Path::toString).toList());
            unusable.forEach(findings::problem);
            if (!fp8.isEmpty()) {
                findings.problem(where + ": only fp8 files (" + names(fp8)
                        + "), which this engine cannot read; get " + canonical + " (" + what + ")");
            } else if (unusable.isEmpty()) {
                findings.problem(where + ": no " + pattern + " (" + what + ")" + FileChecks.contentsHint(dirs.get(0)));
            }
            return null;
        }
        Path chosen = usable.stream().filter(p -> lowerName(p).equals(canonical)).findFirst().orElse(usable.get(0));
        if (usable.size() > 1) {
            List<Path> others = usable.stream().filter(p -> !p.equals(chosen)).toList();
            findings.note(what + ": using " + chosen + "; also found " + names(others));
        }
        if (!fp8.isEmpty()) {
            findings.note(what + ": passed over " + names(fp8) + " (fp8 is not supported)");
        }
        unusable.forEach(u -> findings.note(what + ": passed over " + u));
        return chosen;
    }

    private static List<Path> find(Path dir, Predicate<String> nameMatches, Findings findings) {
        try (Stream<Path> s = Files.walk(dir, MAX_DEPTH, FileVisitOption.FOLLOW_LINKS)) {
            // Directories are left out, but not dangling links: those are reported, not silently skipped.
            return s.filter(p -> {
                String n = lowerName(p);
                return n.endsWith(".safetensors") && nameMatches.test(n) && !Files.isDirectory(p);
            }).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            findings.problem(dir + ": cannot be searched (" + e.getMessage() + ")");
            return List.of();
        }
    }

    /** The places a tokenizer for ComfyUI files is looked for, beside them, in order. */
    static List<Path> tokenizerPlaces(Path root, Path textEncoderFile) {
        Set<Path> places = new LinkedHashSet<>();
        if (textEncoderFile != null) {
            places.add(textEncoderFile.getParent().resolve(TE_TOKENIZER_FOLDER));
            places.add(textEncoderFile.getParent().resolve("tokenizer"));
        }
        places.add(root.resolve(TE_FOLDERS.get(0)).resolve(TE_TOKENIZER_FOLDER));
        places.add(root.resolve("tokenizer"));
        return List.copyOf(places);
    }

    private static Path tokenizer(Path root, Path textEncoderFile, List<Path> hubCaches, Findings findings) {
        List<Path> places = tokenizerPlaces(root, textEncoderFile);
        for (Path p : places) {
            if (Files.isRegularFile(p.resolve(HfFolderLayout.TOKENIZER_FILE))) {
                findings.note("tokenizer: " + p + " (ComfyUI files carry none)");
                return p;
            }
        }
        for (Path hub : hubCaches) {
            for (String[] repoAndSub : new String[][] {{ModelLocator.ZIMAGE_REPO, "tokenizer"},
                    {ModelLocator.QWEN_REPO, ""}}) {
                Path repoDir = hub.resolve(HubCache.repoFolder(repoAndSub[0]));
                if (!Files.isDirectory(repoDir)) {
                    continue;
                }
                Path snapshot = HubCache.snapshot(repoDir, new Findings());
                if (snapshot == null) {
                    continue;
                }
                Path folder = repoAndSub[1].isEmpty() ? snapshot : snapshot.resolve(repoAndSub[1]);
                if (Files.isRegularFile(folder.resolve(HfFolderLayout.TOKENIZER_FILE))) {
                    findings.note("tokenizer: " + folder + " (from the Hugging Face cache of " + repoAndSub[0]
                            + "; ComfyUI files carry none)");
                    return folder;
                }
            }
        }
        findings.problem("no tokenizer (ComfyUI files carry none): no " + HfFolderLayout.TOKENIZER_FILE + " in "
                + String.join(", ", places.stream().map(Path::toString).toList())
                + (hubCaches.isEmpty() ? "" : ", nor in the Hugging Face caches of " + ModelLocator.ZIMAGE_REPO
                        + " (tokenizer/) or " + ModelLocator.QWEN_REPO + " under "
                        + String.join(", ", hubCaches.stream().map(Path::toString).toList()))
                + "; get it with: hf download " + ModelLocator.ZIMAGE_REPO + " --include \"tokenizer/*\" --local-dir "
                + root);
        return null;
    }

    private static String lowerName(Path p) {
        return p.getFileName().toString().toLowerCase(Locale.ROOT);
    }

    private static String names(List<Path> files) {
        return String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
