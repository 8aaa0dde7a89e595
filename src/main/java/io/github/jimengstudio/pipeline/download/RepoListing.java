package io.github.jimengstudio.pipeline.download;

import java.util.List;

/**
 * A repository's files at one commit.
 *
 * @param repo   the repository id, e.g. {@code Tongyi-MAI/Z-Image-Turbo}
 * @param commit the full commit hash the revision resolved to; every file is fetched at this commit, so a branch
 *               that moves during a long download cannot mix two versions
 * @param files  the files, in the Hub's order
 */
record RepoListing(String repo, String commit, List<RepoFile> files) {
    RepoListing {
        files = List.copyOf(files);
    }
}
