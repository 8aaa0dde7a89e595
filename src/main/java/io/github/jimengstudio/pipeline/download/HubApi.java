package io.github.jimengstudio.pipeline.download;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.github.jimengstudio.pipeline.download.ModelDownloadException.Reason;
import io.github.jimengstudio.tensor.JsonLimits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The Hugging Face Hub as the downloader sees it: two URL forms, their headers, and what each failure means.
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true} lists a revision in one answer:
 *       {@code sha} (the commit the revision points to) and {@code siblings}, one per file, with {@code rfilename},
 *       {@code size}, {@code blobId} (Git object id) and, for Git LFS files, {@code lfs.sha256} and
 *       {@code lfs.size};</li>
 *   <li>{@code GET {endpoint}/{repo}/resolve/{commit}/{path}} serves a file. Files stored in Git come straight
 *       back (ETag = Git blob id); LFS files come as a redirect to a signed CDN URL, with {@code X-Linked-Etag}
 *       (the sha256), {@code X-Linked-Size} and {@code X-Repo-Commit} on the Hub's own answer. The CDN honours
 *       {@code Range: bytes=N-} with {@code 206} and {@code Content-Range}.</li>
 * </ul>
 * Errors carry {@code X-Error-Code} ({@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound},
 * {@code GatedRepo}) and {@code X-Error-Message}. A 401 means "no such repository, or private, or gated" to a
 * client without a token. Redirects are followed here, not by the client, so that the token is never sent to
 * another host and a {@code Range} header survives the hop.
 */
final class HubApi {
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_LISTING_BYTES = 16 << 20;
    private static final String USER_AGENT = "jimeng-studio (Java " + Runtime.version().feature() + ")";

    private final DownloadOptions options;
    private final HttpClient client;

    HubApi(DownloadOptions options) {
        this.options = options;
        // HTTP/1.1: one plain connection per file; nothing is gained from multiplexing a few large bodies.
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(options.connectTimeout()).build();
    }

    /**
     * An answer after redirects: the final response, the headers of the Hub's own (first) answer, and whether that
     * answer was a redirect (then its ETag is the redirect's, and only {@code X-Linked-Etag} names the content).
     */
    record Answer(HttpResponse<BodyStream> response, HttpHeaders hubHeaders, boolean redirected) {
        int status() {
            return response.statusCode();
        }

        HttpHeaders headers() {
            return response.headers();
        }

        BodyStream body() {
            return response.body();
        }
    }

    URI listingUri(String repo, String revision) {
        return URI.create(options.endpoint() + "/api/models/" + repo + "/revision/" + encode(revision, false)
                + "?blobs=true");
    }

    URI fileUri(String repo, String commit, String path) {
        return URI.create(options.endpoint() + "/" + repo + "/resolve/" + commit + "/" + encode(path, true));
    }

    /**
     * The files of {@code repo} at {@code revision}. No connection at all fails at once (there is nothing to wait
     * for); server errors and lost connections are tried again like file transfers.
     */
    RepoListing list(String repo, String revision, BooleanSupplier stopped) throws ModelDownloadException {
        URI uri = listingUri(repo, revision);
        for (int failures = 1; ; failures++) {
            try {
                Answer a = open(uri, 0, stopped);
                try {
                    if (a.status() != 200) {
                        throw statusError(a, repo, revision, null);
                    }
                    byte[] json = a.body().readAll(MAX_LISTING_BYTES, options.idleTimeout(), stopped);
                    return parseListing(repo, revision, new String(json, StandardCharsets.UTF_8));
                } finally {
                    a.body().discard();
                }
            } catch (NetworkFailure e) {
                if (e.unreachable() || failures >= options.maxAttempts()) {
                    throw unreachable(repo, e);
                }
                pause(failures, stopped);
            } catch (ModelDownloadException e) {
                throw e;
            } catch (IOException e) {
                throw new ModelDownloadException(Reason.PROTOCOL, "The file listing of " + repo + " from "
                        + options.host() + " could not be read: " + e.getMessage(), e);
            }
        }
    }

    RepoListing parseListing(String repo, String revision, String json) throws ModelDownloadException {
        try {
            JsonObject o = JsonLimits.parseObject(json, "the listing", "it");
            String commit = string(o, "sha");
            if (commit == null || !RepoFile.SHA1_HEX.matcher(commit).matches()) {
                throw new IllegalArgumentException("\"sha\" is " + o.get("sha") + ", not a commit hash");
            }
            JsonElement siblings = o.get("siblings");
            if (siblings == null || !siblings.isJsonArray()) {
                throw new IllegalArgumentException("no \"siblings\" list");
            }
            List<RepoFile> files = new ArrayList<>();
            for (JsonElement e : (JsonArray) siblings) {
                JsonObject s = e.getAsJsonObject();
                String path = string(s, "rfilename");
                JsonElement lfsElement = s.get("lfs");
                JsonObject lfs = lfsElement != null && lfsElement.isJsonObject() ? lfsElement.getAsJsonObject() : null;
                JsonElement size = lfs != null && lfs.has("size") ? lfs.get("size") : s.get("size");
                if (path == null || size == null || !size.isJsonPrimitive()) {
                    throw new IllegalArgumentException("an entry lacks its name or size: " + s);
                }
                files.add(new RepoFile(path, size.getAsLong(), string(s, "blobId"),
                        lfs == null ? null : string(lfs, "sha256")));
            }
            return new RepoListing(repo, commit, files);
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException | ClassCastException
                | UnsupportedOperationException e) {
            throw new ModelDownloadException(Reason.PROTOCOL, "The file listing of " + repo + " at " + revision
                    + " from " + options.host() + " is not what the Hub sends: " + e.getMessage()
                    + " (is HF_ENDPOINT pointing at a Hugging Face Hub or a faithful mirror?)", e);
        }
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /**
     * Sends a GET (from byte {@code from} on, when positive) and follows redirects.
     *
     * @throws NetworkFailure when no answer came, or the answer is a server error worth retrying
     */
    Answer open(URI uri, long from, BooleanSupplier stopped) throws NetworkFailure, ModelDownloadException {
        HttpHeaders hubHeaders = null;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(options.responseTimeout())
                    .header("User-Agent", USER_AGENT);
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
            }
            if (options.token() != null && sameHost(uri)) {
                b.header("Authorization", "Bearer " + options.token());
            }
            HttpResponse<BodyStream> r = await(client.sendAsync(b.build(), info -> new BodyStream()), stopped);
            if (hubHeaders == null) {
                hubHeaders = r.headers();
            }
            int s = r.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                r.body().discard();
                String location = r.headers().firstValue("Location").orElse(null);
                if (location == null || hop >= MAX_REDIRECTS) {
                    throw new ModelDownloadException(Reason.PROTOCOL, uri.getHost() + " answered " + s + " for "
                            + uri + (location == null ? " without a Location" : " after " + hop + " redirects"));
                }
                uri = uri.resolve(location);
                continue;
            }
            if (s == 408 || s == 429 || s >= 500) {
                r.body().discard();
                throw new NetworkFailure(s, uri.getHost() + " answered " + s
                        + r.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")").orElse(""));
            }
            return new Answer(r, hubHeaders, hop > 0);
        }
    }

    private boolean sameHost(URI uri) {
        URI endpoint = URI.create(options.endpoint());
        return Objects.equals(uri.getHost(), endpoint.getHost()) && uri.getPort() == endpoint.getPort()
                && Objects.equals(uri.getScheme(), endpoint.getScheme());
    }

    /** Waits for response headers, giving up when the download is stopped. */
    private static HttpResponse<BodyStream> await(CompletableFuture<HttpResponse<BodyStream>> f,
            BooleanSupplier stopped) throws NetworkFailure {
        while (true) {
            try {
                return f.get(20, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (stopped.getAsBoolean()) {
                    f.cancel(true);
                    throw new DownloadCancelledException("Download stopped.");
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new NetworkFailure(NetworkFailure.describe(cause), cause);
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new DownloadCancelledException("Download interrupted.");
            }
        }
    }

    /** The waits between tries: the first delay, doubling, capped at 16 times it. */
    void pause(int failures, BooleanSupplier stopped) {
        long millis = options.retryDelay().toMillis() << Math.min(failures - 1, 4);
        long end = System.nanoTime() + Duration.ofMillis(millis).toNanos();
        while (System.nanoTime() - end < 0) {
            if (stopped.getAsBoolean()) {
                throw new DownloadCancelledException("Download stopped.");
            }
            try {
                Thread.sleep(Math.min(20, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadCancelledException("Download interrupted.");
            }
        }
    }

    /** The Hub could not be reached for the listing. */
    ModelDownloadException unreachable(String repo, NetworkFailure e) {
        boolean server = e.status() != 0;
        return new ModelDownloadException(server ? Reason.SERVER : Reason.NETWORK, (server
                ? options.host() + " keeps failing (" + e.getMessage() + "); try again later"
                : "Cannot reach " + options.host() + ": " + e.getMessage()
                        + "; check the network connection (and proxy settings)")
                + ", or download " + repo + " on another machine (hf download " + repo
                + ") and point Jimeng Studio at the folder.", e);
    }

    /** The error for an answer that is neither the content nor worth retrying. */
    ModelDownloadException statusError(Answer a, String repo, String revision, String file) {
        int status = a.status();
        HttpHeaders h = a.headers();
        String code = h.firstValue("X-Error-Code").orElse("");
        String hubSays = h.firstValue("X-Error-Message").map(m -> "; the Hub says: " + m).orElse("");
        String host = options.host();
        String what = file == null ? repo + " at " + revision : file + " of " + repo;
        String tokenState = options.token() == null ? "no token is set" : "the token in HF_TOKEN was sent";
        if (code.equals("GatedRepo")) {
            return new ModelDownloadException(Reason.ACCESS_DENIED, repo + " is a gated repository (" + status
                    + hubSays + "): sign in at " + options.endpoint() + "/" + repo + ", accept its conditions, "
                    + "then set HF_TOKEN to an access token of that account (" + tokenState + ").");
        }
        if (status == 401 || status == 403) {
            return new ModelDownloadException(Reason.ACCESS_DENIED, host + " refused access to " + what + " ("
                    + status + hubSays + "): the repository does not exist, is private, or is gated ("
                    + tokenState + "). Check the name (" + repo + "); for a private or gated repository set "
                    + "HF_TOKEN to an access token that can read it.");
        }
        if (status == 404 && code.equals("RevisionNotFound")) {
            return new ModelDownloadException(Reason.NOT_FOUND, repo + " has no revision \"" + revision + "\" on "
                    + host + " (404" + hubSays + "); use a branch, tag or commit that exists, e.g. main.");
        }
        if (status == 404 && (file == null || code.equals("RepoNotFound"))) {
            return new ModelDownloadException(Reason.NOT_FOUND, "Repository " + repo + " was not found on " + host
                    + " (404" + hubSays + "); check the name, e.g. Tongyi-MAI/Z-Image-Turbo.");
        }
        if (status == 404) {
            return new ModelDownloadException(Reason.NOT_FOUND, file + " is listed in " + repo + " at " + revision
                    + ", but " + host + " has no such file (404" + hubSays + "); run the download again later.");
        }
        return new ModelDownloadException(Reason.PROTOCOL, host + " answered " + status + " for " + what
                + hubSays + ".");
    }

    /** Percent-encodes everything but unreserved characters (and {@code /} in paths), as URLs for the Hub need. */
    static String encode(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
