package io.github.jimengstudio.pipeline.download;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One file of a repository at a commit, as the Hub lists it.
 *
 * <p>Every file is checked against a checksum the Hub published: a Git LFS file (the weights) against the sha256 of
 * its content, which is also its ETag; a file stored in Git itself (configs, tokenizer) against its Git blob id,
 * the sha1 of {@code "blob <size>\0" + content}, which is its ETag. The ETag also names the file in the cache's
 * {@code blobs/} folder, exactly as huggingface_hub names it, so either tool reuses the other's files.
 *
 * @param path      the path in the repository, {@code /}-separated
 * @param size      the content's size in bytes (for an LFS file, the real file, not the pointer)
 * @param gitBlobId the Git object id (40 hex digits)
 * @param sha256    the LFS content hash (64 hex digits), or null for a file stored in Git
 */
public record RepoFile(String path, long size, String gitBlobId, String sha256) {
    static final Pattern SHA1_HEX = Pattern.compile("[0-9a-f]{40}");
    static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public RepoFile {
        Objects.requireNonNull(path, "path");
        String problem = pathProblem(path);
        if (problem != null) {
            throw new IllegalArgumentException("repository path \"" + path + "\" " + problem);
        }
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative size " + size);
        }
        if (gitBlobId == null || !SHA1_HEX.matcher(gitBlobId).matches()) {
            throw new IllegalArgumentException(path + ": Git blob id \"" + gitBlobId + "\" is not 40 hex digits");
        }
        if (sha256 != null && !SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException(path + ": sha256 \"" + sha256 + "\" is not 64 hex digits");
        }
    }

    /** Why a path from a server cannot be written below a snapshot folder, or null when it can. */
    static String pathProblem(String path) {
        if (path.isEmpty()) {
            return "is empty";
        }
        if (path.startsWith("/") || path.contains("\\") || path.contains(":") || path.indexOf('\0') >= 0) {
            return "is not a relative /-separated path";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "has an empty, \".\" or \"..\" segment";
            }
        }
        return null;
    }

    /** True for a Git LFS file (the large weight files). */
    public boolean lfs() {
        return sha256 != null;
    }

    /** The Hub's ETag for this file, which is also its blob name in the cache. */
    public String etag() {
        return lfs() ? sha256 : gitBlobId;
    }

    /** The checksum's name for messages. */
    String checksumName() {
        return lfs() ? "sha256" : "Git blob sha1";
    }

    /** A digest that, fed the file's content, ends in {@link #etag()} when the content is right. */
    MessageDigest newDigest() {
        try {
            if (lfs()) {
                return MessageDigest.getInstance("SHA-256");
            }
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            return sha1;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1 and SHA-256", e);
        }
    }
}
