package io.github.jimengstudio.pipeline.download;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * How a {@link ModelDownloader} talks to the Hub. {@link #defaults()} is right for users; tests point
 * {@link #endpoint} at a local server and shorten the waits.
 *
 * @param endpoint         the Hub, without a trailing slash: {@code https://huggingface.co}, or {@code HF_ENDPOINT}
 *                         (a mirror), as huggingface_hub reads it
 * @param token            an access token sent to the endpoint's host only (never to the CDN a file redirects to),
 *                         from {@code HF_TOKEN}; null for none. Z-Image-Turbo is public and needs none
 * @param parallelFiles    how many files download at once
 * @param connectTimeout   how long to wait for a connection
 * @param responseTimeout  how long to wait for a response's headers
 * @param idleTimeout      how long a response body may stay silent before the connection counts as lost
 * @param maxAttempts      tries per file without any progress before giving up (a try that received bytes resets
 *                         the count, so a long download survives many short drops)
 * @param retryDelay       the first wait before a retry; it doubles per failed try, up to 16 times this
 * @param progressInterval the least time between two progress events (a file's last bytes are always reported)
 * @param freeSpace        the free-space probe
 * @param include          which repository paths to download
 */
public record DownloadOptions(String endpoint, String token, int parallelFiles, Duration connectTimeout,
        Duration responseTimeout, Duration idleTimeout, int maxAttempts, Duration retryDelay,
        Duration progressInterval, FreeSpace freeSpace, Predicate<String> include) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** Everything but {@code assets/} (the model card's pictures), which no tool loads. */
    public static final Predicate<String> ALL_BUT_ASSETS = path -> !path.startsWith("assets/");

    public DownloadOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        URI uri = URI.create(endpoint);
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("Hub endpoint \"" + endpoint + "\" is not an http(s) URL");
        }
        while (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (parallelFiles < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("parallelFiles and maxAttempts must be at least 1");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(retryDelay, "retryDelay");
        Objects.requireNonNull(progressInterval, "progressInterval");
        Objects.requireNonNull(freeSpace, "freeSpace");
        Objects.requireNonNull(include, "include");
    }

    /** The options for this process's environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}). */
    public static DownloadOptions defaults() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Four files at a time (the transformer's shards are the bulk; one connection to the CDN is often slower than
     * the line), 10 s to connect, 30 s for headers, 60 s of silence before a retry, 6 tries a file, 1 s first
     * retry delay, progress at most 5 times a second.
     */
    public static DownloadOptions fromEnvironment(Map<String, String> env) {
        String endpoint = env.getOrDefault("HF_ENDPOINT", "");
        return new DownloadOptions(endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.trim(), env.get("HF_TOKEN"), 4,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), 6, Duration.ofSeconds(1),
                Duration.ofMillis(200), FreeSpace.fileSystem(), ALL_BUT_ASSETS);
    }

    /** Like the record's own, but never shows the token. */
    @Override
    public String toString() {
        return "DownloadOptions[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "(set)")
                + ", parallelFiles=" + parallelFiles + ", connectTimeout=" + connectTimeout + ", responseTimeout="
                + responseTimeout + ", idleTimeout=" + idleTimeout + ", maxAttempts=" + maxAttempts
                + ", retryDelay=" + retryDelay + ", progressInterval=" + progressInterval + "]";
    }

    /** The endpoint's host (and port), for messages: {@code huggingface.co}. */
    public String host() {
        return URI.create(endpoint).getAuthority();
    }

    public DownloadOptions withEndpoint(String newEndpoint) {
        return new DownloadOptions(newEndpoint, token, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                maxAttempts, retryDelay, progressInterval, freeSpace, include);
    }

    public DownloadOptions withToken(String newToken) {
        return new DownloadOptions(endpoint, newToken, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                maxAttempts, retryDelay, progressInterval, freeSpace, include);
    }

    public DownloadOptions withParallelFiles(int n) {
        return new DownloadOptions(endpoint, token, n, connectTimeout, responseTimeout, idleTimeout, maxAttempts,
                retryDelay, progressInterval, freeSpace, include);
    }

    public DownloadOptions withTimeouts(Duration connect, Duration response, Duration idle) {
        return new DownloadOptions(endpoint, token, parallelFiles, connect, response, idle, maxAttempts, retryDelay,
                progressInterval, freeSpace, include);
    }

    public DownloadOptions withRetries(int attempts, Duration firstDelay) {
        return new DownloadOptions(endpoint, token, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                attempts, firstDelay, progressInterval, freeSpace, include);
    }

    public DownloadOptions withProgressInterval(Duration interval) {
        return new DownloadOptions(endpoint, token, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                maxAttempts, retryDelay, interval, freeSpace, include);
    }

    public DownloadOptions withFreeSpace(FreeSpace probe) {
        return new DownloadOptions(endpoint, token, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                maxAttempts, retryDelay, progressInterval, probe, include);
    }

    public DownloadOptions withInclude(Predicate<String> paths) {
        return new DownloadOptions(endpoint, token, parallelFiles, connectTimeout, responseTimeout, idleTimeout,
                maxAttempts, retryDelay, progressInterval, freeSpace, paths);
    }
}
