package io.github.jimengstudio.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds Z-Image-Turbo on disk, in any of the forms people already have it in, and says precisely what is missing
 * when a form is incomplete. Only file presence (and the small JSON files that name other files) is checked here;
 * weight headers are validated by the tensor layer when the files are opened.
 *
 * <p>{@link #locate(Path)} accepts:
 * <ul>
 *   <li>a Hugging Face diffusers folder ({@code model_index.json}, {@code transformer/}, {@code text_encoder/},
 *       {@code tokenizer/}, {@code vae/}, {@code scheduler/}), e.g. from {@code hf download ... --local-dir};</li>
 *   <li>the Hugging Face hub cache: the hub folder ({@code ~/.cache/huggingface/hub}), the {@code HF_HOME} folder
 *       above it, the repo folder {@code models--Tongyi-MAI--Z-Image-Turbo}, or one {@code snapshots/<rev>} folder.
 *       The snapshot is the one {@code refs/main} names; without refs, the only snapshot; several snapshots
 *       without refs are refused. A cached {@code Comfy-Org/z_image_turbo} is used as ComfyUI files;</li>
 *   <li>ComfyUI files: the {@code ComfyUI/models} folder holding {@code diffusion_models/} (or the older name
 *       {@code unet/}), {@code text_encoders/} (or {@code clip/}) and {@code vae/}; also the {@code ComfyUI}
 *       install folder above it, and the {@code split_files/} folder of {@code Comfy-Org/z_image_turbo}, which has
 *       the same three folders. {@code extra_model_paths.yaml} is not read;</li>
 *   <li>a folder holding any of these in a child named {@value #MODEL_FOLDER_NAME} (e.g. Fiji's {@code models/}).</li>
 * </ul>
 * ComfyUI files carry no tokenizer; one is taken, in this order, from {@code qwen_3_4b_tokenizer/} or
 * {@code tokenizer/} beside the text encoder file, {@code text_encoders/qwen_3_4b_tokenizer/} or
 * {@code tokenizer/} in the models folder, or the hub caches of {@code Tongyi-MAI/Z-Image-Turbo} ({@code tokenizer/})
 * and {@code Qwen/Qwen3-4B}. A tokenizer folder must hold {@code tokenizer.json}. (ComfyUI's own bundled
 * {@code qwen25_tokenizer} is not used: it is the Qwen2.5 vocabulary without {@code tokenizer.json}.)
 */
public final class ModelLocator {
    public static final String ZIMAGE_REPO = "Tongyi-MAI/Z-Image-Turbo";
    public static final String COMFY_REPO = "Comfy-Org/z_image_turbo";
    public static final String QWEN_REPO = "Qwen/Qwen3-4B";
    public static final String COMFY_DIT_FILE = "z_image_turbo_bf16.safetensors";
    public static final String COMFY_TE_FILE = "qwen_3_4b.safetensors";
    public static final String COMFY_VAE_FILE = "ae.safetensors";
    /** The name of the model's own folder inside a general models folder, e.g. {@code Fiji.app/models/Z-Image-Turbo}. */
    public static final String MODEL_FOLDER_NAME = "Z-Image-Turbo";

    private final List<Path> hubCaches;
    private final List<Path> comfyFolders;

    /** A locator that knows this user's Hugging Face caches and usual ComfyUI folders (environment, home folder). */
    public ModelLocator() {
        this(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** A locator for the given environment variables and home folder. */
    public ModelLocator(Map<String, String> env, Path home) {
        this.hubCaches = hubCaches(env, home);
        this.comfyFolders = comfyFolders(home);
    }

    /**
     * The Hugging Face hub caches, as huggingface_hub resolves them, most specific first: {@code HF_HUB_CACHE},
     * {@code HUGGINGFACE_HUB_CACHE}, {@code $HF_HOME/hub}, {@code $XDG_CACHE_HOME/huggingface/hub},
     * {@code ~/.cache/huggingface/hub}. All are listed (a variable set in one shell may be unset in another).
     */
    public static List<Path> hubCaches(Map<String, String> env, Path home) {
        Set<Path> caches = new LinkedHashSet<>();
        addIfSet(caches, env.get("HF_HUB_CACHE"), home, null);
        addIfSet(caches, env.get("HUGGINGFACE_HUB_CACHE"), home, null);
        addIfSet(caches, env.get("HF_HOME"), home, "hub");
        addIfSet(caches, env.get("XDG_CACHE_HOME"), home, "huggingface/hub");
        caches.add(home.resolve(".cache/huggingface/hub").toAbsolutePath().normalize());
        return List.copyOf(caches);
    }

    /** ComfyUI's usual models folders: a checkout in the home folder, ComfyUI Desktop's, the Windows portable build's. */
    public static List<Path> comfyFolders(Path home) {
        return List.of(home.resolve("ComfyUI/models"), home.resolve("Documents/ComfyUI/models"),
                home.resolve("ComfyUI_windows_portable/ComfyUI/models"))
                .stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    private static void addIfSet(Set<Path> caches, String value, Path home, String child) {
        if (value == null || value.isBlank()) {
            return;
        }
        Path p = value.equals("~") ? home : value.startsWith("~/") ? home.resolve(value.substring(2)) : Path.of(value);
        if (child != null) {
            p = p.resolve(child);
        }
        caches.add(p.toAbsolutePath().normalize());
    }

    /** The folder a repo gets inside a hub cache, e.g. {@code models--Tongyi-MAI--Z-Image-Turbo}. */
    public static String hubRepoFolder(String repo) {
        return HubCache.repoFolder(repo);
    }

    /** The hub caches this locator searches (also for a tokenizer to go with ComfyUI files). */
    public List<Path> hubCaches() {
        return hubCaches;
    }

    /** The ComfyUI models folders this locator searches by default. */
    public List<Path> comfyFolders() {
        return comfyFolders;
    }

    /**
     * The places to search, in order: {@code first} (e.g. the folder given on the command line, Fiji's models
     * folder; nulls are skipped), then the hub caches, then the usual ComfyUI folders.
     */
    public List<Path> defaultCandidates(Path... first) {
        Set<Path> all = new LinkedHashSet<>();
        for (Path p : first) {
            if (p != null) {
                all.add(p.toAbsolutePath().normalize());
            }
        }
        all.addAll(hubCaches);
        all.addAll(comfyFolders);
        return List.copyOf(all);
    }

    /** The model in {@code folder} (any form listed in the class comment), or why there is none. */
    public ModelLocation locate(Path folder) throws ModelNotFoundException {
        Outcome o = examine(folder.toAbsolutePath().normalize());
        if (o.location() != null) {
            return o.location();
        }
        throw new ModelNotFoundException(List.of(o.place()));
    }

    /** The first complete model among {@code candidates}, or an exception naming every place and what it lacked. */
    public ModelLocation search(List<Path> candidates) throws ModelNotFoundException {
        List<ModelNotFoundException.Place> places = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (Path c : candidates) {
            Path p = Objects.requireNonNull(c, "candidate").toAbsolutePath().normalize();
            if (!seen.add(p)) {
                continue;
            }
            Outcome o = examine(p);
            if (o.location() != null) {
                return o.location();
            }
            places.add(o.place());
        }
        throw new ModelNotFoundException(places);
    }

    /** Either a location or the place with its problems. */
    private record Outcome(ModelLocation location, ModelNotFoundException.Place place) {
        static Outcome of(Path path, LayoutKind kind, ModelLocation location, Findings findings) {
            return location != null ? new Outcome(location, null)
                    : new Outcome(null, new ModelNotFoundException.Place(path, kind, findings.problems));
        }

        static Outcome failed(Path path, String problem) {
            return new Outcome(null, new ModelNotFoundException.Place(path, null, List.of(problem)));
        }
    }

    private Outcome examine(Path p) {
        String problem = FileChecks.folderProblem(p);
        if (problem != null) {
            return Outcome.failed(p, problem.equals("missing") ? "does not exist"
                    : problem.startsWith("is a file") ? "is a file, not a folder; give the folder that holds "
                            + "model_index.json, a Hugging Face cache folder, or ComfyUI's models folder"
                            : problem);
        }
        if (HubCache.isSnapshot(p)) {
            return snapshot(p, p, HubCache.repoOf(p.getParent().getParent()), new Findings());
        }
        if (Files.exists(p.resolve(HfFolderLayout.MODEL_INDEX))) {
            return hfFolder(p);
        }
        if (HubCache.isRepoFolder(p)) {
            return repo(p, p, new Findings());
        }
        Path hub = Files.isDirectory(p.resolve("hub")) && HubCache.holdsRepos(p.resolve("hub")) ? p.resolve("hub") : p;
        Outcome cached = hub(p, hub);
        if (cached != null) {
            return cached;
        }
        for (Path comfy : List.of(p, p.resolve("models"), p.resolve("split_files"))) {
            if (ComfyUiLayout.looksLike(comfy)) {
                return comfy(p, comfy, null, hubCaches);
            }
        }
        if (Files.isDirectory(p.resolve(MODEL_FOLDER_NAME))) {
            return examine(p.resolve(MODEL_FOLDER_NAME));
        }
        for (String name : HfFolderLayout.SIGNATURE_FOLDERS) {
            if (Files.isDirectory(p.resolve(name))) {
                return hfFolder(p);
            }
        }
        if (Files.isRegularFile(p.resolve(ComfyUiLayout.VAE_FOLDER).resolve(COMFY_VAE_FILE))) {
            return comfy(p, p, null, hubCaches);
        }
        if (hub != p || HubCache.holdsRepos(p)) {
            return new Outcome(null, new ModelNotFoundException.Place(p, LayoutKind.HF_CACHE, List.of(hub
                    + ": holds no " + HubCache.repoFolder(ZIMAGE_REPO) + " (nor " + HubCache.repoFolder(COMFY_REPO)
                    + "): Z-Image-Turbo was never downloaded into this cache")));
        }
        if (FileChecks.isEmptyFolder(p)) {
            return Outcome.failed(p, "is empty");
        }
        return Outcome.failed(p, "holds no Z-Image-Turbo model: no " + HfFolderLayout.MODEL_INDEX
                + " (Hugging Face folder), no " + HubCache.repoFolder(ZIMAGE_REPO) + " (Hugging Face cache), no "
                + String.join("/ or ", ComfyUiLayout.DIT_FOLDERS) + "/ (ComfyUI models folder)"
                + FileChecks.contentsHint(p));
    }

    private Outcome hfFolder(Path p) {
        Findings f = new Findings();
        return Outcome.of(p, LayoutKind.HF_FOLDER, HfFolderLayout.check(p, LayoutKind.HF_FOLDER, null, f), f);
    }

    private Outcome comfy(Path place, Path root, String identity, List<Path> caches) {
        Findings f = new Findings();
        return Outcome.of(place, LayoutKind.COMFYUI, ComfyUiLayout.check(root, identity, caches, f), f);
    }

    /** The Z-Image-Turbo (or else Comfy-Org) repo in a hub cache folder; null when the folder holds neither. */
    private Outcome hub(Path place, Path hub) {
        List<String> problems = new ArrayList<>();
        boolean any = false;
        for (String repo : List.of(ZIMAGE_REPO, COMFY_REPO)) {
            Path repoDir = hub.resolve(HubCache.repoFolder(repo));
            if (!Files.isDirectory(repoDir)) {
                continue;
            }
            any = true;
            Outcome o = repo(place, repoDir, new Findings());
            if (o.location() != null) {
                return o;
            }
            problems.addAll(o.place().problems());
        }
        return any ? new Outcome(null, new ModelNotFoundException.Place(place, LayoutKind.HF_CACHE, problems)) : null;
    }

    private Outcome repo(Path place, Path repoDir, Findings f) {
        Path snap = HubCache.snapshot(repoDir, f);
        if (snap == null) {
            return Outcome.of(place, LayoutKind.HF_CACHE, null, f);
        }
        return snapshot(place, snap, HubCache.repoOf(repoDir), f);
    }

    /** A snapshot holds either the diffusers layout or, for Comfy-Org's repo, ComfyUI files under split_files/. */
    private Outcome snapshot(Path place, Path snap, String repo, Findings f) {
        String identity = repo + "@" + snap.getFileName();
        for (Path comfy : List.of(snap.resolve("split_files"), snap)) {
            if (!Files.exists(snap.resolve(HfFolderLayout.MODEL_INDEX)) && ComfyUiLayout.looksLike(comfy)) {
                // The cache this snapshot lives in may also hold a tokenizer for the ComfyUI files.
                List<Path> caches = new ArrayList<>(hubCaches);
                caches.add(snap.getParent().getParent().getParent());
                ModelLocation loc = ComfyUiLayout.check(comfy, identity, List.copyOf(new LinkedHashSet<>(caches)), f);
                return Outcome.of(place, LayoutKind.COMFYUI, loc, f);
            }
        }
        return Outcome.of(place, LayoutKind.HF_CACHE, HfFolderLayout.check(snap, LayoutKind.HF_CACHE, identity, f), f);
    }
}
