/**
 * Downloading Z-Image-Turbo (or any Hugging Face model repository) into a Hugging Face hub cache: resumable after a
 * cancel, a crash or a lost connection (range requests into {@code blobs/<etag>.incomplete}), every file checked
 * against the Hub's checksum (sha256 for LFS files, the Git blob id for the rest), progress with rate and time
 * left, and clear refusals (offline, disk too small, repository missing or gated, damaged file).
 *
 * <p>Entry point: {@link io.github.jimengstudio.pipeline.download.ModelDownloader#download}. Nothing here knows
 * ImageJ; the Fiji command and the command line call the same method.
 */
package io.github.jimengstudio.pipeline.download;
