package io.github.jimengstudio.pipeline.download;

import io.github.jimengstudio.pipeline.ModelLocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * One repository's entry in a Hugging Face hub cache, laid out as huggingface_hub lays it out, so that diffusers,
 * transformers and ComfyUI's Hugging Face nodes find and reuse the files, and {@link ModelLocator} finds the model:
 * <pre>
 * models--Tongyi-MAI--Z-Image-Turbo/
 *   blobs/&lt;etag&gt;                     the content, named by its sha256 (LFS) or Git blob id
 *   blobs/&lt;etag&gt;.incomplete          a download in progress (resumed from its length)
 *   snapshots/&lt;commit&gt;/&lt;path&gt;        relative symbolic links to ../../blobs/&lt;etag&gt;
 *   refs/main                        the commit main pointed to, written once the snapshot is complete
 * </pre>
 * (Current huggingface_hub versions give the partial file a random suffix and drop it on failure; a fixed name is
 * what lets this downloader resume after a crash.)
 */
final class HubCacheFolder {
    private final Path repoDir;

    HubCacheFolder(Path hubCache, String repo) {
        this.repoDir = hubCache.toAbsolutePath().normalize().resolve(ModelLocator.hubRepoFolder(repo));
    }

    Path repoDir() {
        return repoDir;
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path snapshot(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    /** Where a repository path appears in a snapshot. */
    Path pointer(String commit, String path) {
        Path snap = snapshot(commit);
        Path p = snap.resolve(path).normalize();
        if (!p.startsWith(snap) || p.equals(snap)) {
            throw new IllegalArgumentException("repository path " + path + " leaves the snapshot folder");
        }
        return p;
    }

    /** True when {@code file} (after links) is a regular file of exactly {@code size} bytes. */
    static boolean holds(Path file, long size) {
        try {
            return Files.isRegularFile(file) && Files.size(file) == size;
        } catch (IOException e) {
            return false;
        }
    }

    /** The length of a download in progress, 0 when there is none. */
    long partialBytes(String etag) {
        Path p = incomplete(etag);
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Makes each pointer show the blob: a relative symbolic link, as huggingface_hub makes it (the cache can then be
     * moved as a whole). Where links cannot be made (Windows without developer mode), pointers get copies, and a blob
     * that was just downloaded is moved into the last pointer instead of copied, as huggingface_hub does.
     */
    void place(Path blob, List<Path> pointers, boolean newBlob) throws IOException {
        for (int i = 0; i < pointers.size(); i++) {
            Path pointer = pointers.get(i);
            Files.createDirectories(pointer.getParent());
            Files.deleteIfExists(pointer);
            try {
                Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (newBlob && i == pointers.size() - 1) {
                    Files.move(blob, pointer, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Records that {@code revision} (a branch or tag) is {@code commit}, atomically, as readers may look any time. */
    void writeRef(String revision, String commit) throws IOException {
        Path ref = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).trim().equals(commit)) {
            return;
        }
        Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
