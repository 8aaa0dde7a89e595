package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.tensor.JsonLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache: {@code <hub>/models--<owner>--<name>/} with {@code refs/main} (a file holding the
 * commit the default branch pointed to when last downloaded) and {@code snapshots/<commit>/} (the repository's
 * files, as links into {@code blobs/}).
 */
final class HubCache {
    static final String PREFIX = "models--";

    private HubCache() {}

    /** The cache folder name of a repo id, e.g. {@code models--Tongyi-MAI--Z-Image-Turbo}. */
    static String repoFolder(String repo) {
        return PREFIX + repo.replace("/", "--");
    }

    /** The repo id of a cache folder ({@code models--Qwen--Qwen3-4B} gives {@code Qwen/Qwen3-4B}). */
    static String repoOf(Path repoDir) {
        String name = repoDir.getFileName().toString().substring(PREFIX.length());
        return name.replaceFirst("--", "/");
    }

    static boolean isRepoFolder(Path dir) {
        Path name = dir.getFileName();
        return name != null && name.toString().startsWith(PREFIX) && Files.isDirectory(dir);
    }

    /** True for {@code .../models--X--Y/snapshots/<rev>}. */
    static boolean isSnapshot(Path dir) {
        Path parent = dir.getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("snapshots")
                && parent.getParent() != null && parent.getParent().getFileName() != null
                && parent.getParent().getFileName().toString().startsWith(PREFIX);
    }

    /** True when the folder holds at least one {@code models--*} repo folder. */
    static boolean holdsRepos(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(HubCache::isRepoFolder);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The snapshot {@code refs/main} names; without refs, the only snapshot there is. Null after recording why
     * none can be chosen: several snapshots and no refs are refused rather than guessed between.
     */
    static Path snapshot(Path repoDir, Findings findings) {
        Path snapshots = repoDir.resolve("snapshots");
        Path refMain = repoDir.resolve("refs").resolve("main");
        if (Files.isRegularFile(refMain)) {
            String rev;
            try {
                rev = JsonLimits.readText(refMain, 1024).trim(); // a commit hash; a huge file is not one
            } catch (IOException e) {
                findings.problem(refMain + ": cannot be read (" + e.getMessage() + ")");
                return null;
            }
            if (!rev.matches("[0-9A-Za-z_-][0-9A-Za-z._-]*")) { // no separators, no "..", nothing a path rejects
                findings.problem(refMain + ": holds \"" + rev + "\", which is not a revision");
                return null;
            }
            Path snap = snapshots.resolve(rev);
            if (!Files.isDirectory(snap)) {
                findings.problem(refMain + ": names revision " + rev + ", but " + snap
                        + " is missing (an interrupted download? download it again)");
                return null;
            }
            return snap;
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(snapshots)) {
            all = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            findings.problem(repoDir + ": no snapshots/ folder (nothing was downloaded into this cache entry)");
            return null;
        }
        if (all.isEmpty()) {
            findings.problem(snapshots + ": is empty (nothing was downloaded into this cache entry)");
            return null;
        }
        if (all.size() > 1) {
            findings.problem(repoDir + ": refs/main is missing and snapshots/ holds " + all.size() + " revisions ("
                    + String.join(", ", all.stream().map(p -> p.getFileName().toString()).toList())
                    + "), so which one is current is unknown; give the snapshot folder to use");
            return null;
        }
        findings.note("refs/main is missing in " + repoDir + "; used its only snapshot " + all.get(0).getFileName());
        return all.get(0);
    }
}
