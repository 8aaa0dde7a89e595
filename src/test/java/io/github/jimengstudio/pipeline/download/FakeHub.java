package io.github.jimengstudio.pipeline.download;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on loopback, serving one repository the way the real one does (the revision listing with
 * blobs, resolve URLs, LFS files redirected to a second server standing in for the CDN, range requests), with
 * faults to inject and counters of what it served.
 */
public final class FakeHub implements AutoCloseable {
    public static final String REPO = "Tongyi-MAI/Z-Image-Turbo";
    static final String COMMIT = "5a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    private static final int CHUNK = 16 * 1024;

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });

    private volatile String commit = COMMIT;
    private volatile Map<String, byte[]> files;
    /** sha256 and Git blob id per path, computed once per commit (hashing a large bench file per request would time the fake). */
    private volatile Map<String, String[]> hashes;

    // Faults: each applies to the named path (or "api" for the listing).
    private final Map<String, List<Long>> drops = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final Map<String, List<String[]>> errors = new ConcurrentHashMap<>();
    private final Map<String, Long> slowMillisPerChunk = new ConcurrentHashMap<>();
    private volatile boolean ignoreRange;

    // What was served.
    private final Map<String, AtomicLong> bytesServed = new ConcurrentHashMap<>();
    private final Map<String, List<String>> ranges = new ConcurrentHashMap<>();
    private final AtomicInteger listings = new AtomicInteger();
    private final AtomicInteger fileRequests = new AtomicInteger();
    private final List<String> hubAuthorizations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> cdnAuthorizations = Collections.synchronizedList(new ArrayList<>());

    /** The tiny golden model as the repository, plus a model card, a picture in assets/ and a repeated file. */
    public FakeHub() throws IOException {
        this(goldenRepository());
    }

    private static Map<String, byte[]> goldenRepository() throws IOException {
        Map<String, byte[]> repo = new TreeMap<>();
        Path model = Golden.file("e2e-tiny/model");
        try (Stream<Path> s = Files.walk(model)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                repo.put(model.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        byte[] card = "---\nlicense: apache-2.0\n---\n# Z-Image-Turbo (test copy)\n".getBytes(StandardCharsets.UTF_8);
        repo.put("README.md", card);
        repo.put("docs/README.md", card); // same content under two paths: one blob, two links
        repo.put("assets/showcase.jpg", new byte[5000]);
        repo.put(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n".getBytes(StandardCharsets.UTF_8));
        return repo;
    }

    /** A hub serving {@code repo} (path to content) as {@link #REPO} at {@link #COMMIT}. */
    public FakeHub(Map<String, byte[]> repo) throws IOException {
        setFiles(new TreeMap<>(repo));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.start();
        cdn.start();
    }

    public String url() {
        return "http://" + hub.getAddress().getHostString() + ":" + hub.getAddress().getPort();
    }

    String host() {
        return hub.getAddress().getHostString() + ":" + hub.getAddress().getPort();
    }

    /** Options pointing at this hub, with short waits, and every progress step reported. */
    public DownloadOptions options() {
        return DownloadOptions.fromEnvironment(Map.of()).withEndpoint(url())
                .withTimeouts(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5),
                        java.time.Duration.ofSeconds(5))
                .withRetries(3, java.time.Duration.ofMillis(5)).withProgressInterval(java.time.Duration.ZERO);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }

    // ---- the repository

    Map<String, byte[]> files() {
        return files;
    }

    byte[] content(String path) {
        return files.get(path);
    }

    String commit() {
        return commit;
    }

    /** A new commit on main, with {@code changed} files replaced or added. */
    void publish(String newCommit, Map<String, byte[]> changed) {
        Map<String, byte[]> next = new TreeMap<>(files);
        next.putAll(changed);
        setFiles(next);
        commit = newCommit;
    }

    private void setFiles(Map<String, byte[]> next) {
        Map<String, String[]> h = new ConcurrentHashMap<>();
        next.forEach((p, b) -> h.put(p, new String[] {sha256(b), gitBlobId(b)}));
        hashes = h;
        files = next;
    }

    private String sha256Of(String path) {
        return hashes.get(path)[0];
    }

    private String gitBlobIdOf(String path) {
        return hashes.get(path)[1];
    }

    static boolean lfs(String path) {
        return path.endsWith(".safetensors") || path.endsWith(".jpg");
    }

    static String sha256(byte[] b) {
        return hex("SHA-256", new byte[0], b);
    }

    static String gitBlobId(byte[] b) {
        return hex("SHA-1", ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII), b);
    }

    static String etag(String path, byte[] b) {
        return lfs(path) ? sha256(b) : gitBlobId(b);
    }

    private static String hex(String algorithm, byte[] prefix, byte[] b) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            d.update(prefix);
            return HexFormat.of().formatHex(d.digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sizes of the distinct contents that a download of everything but assets/ brings. */
    public long downloadSize() {
        Map<String, Long> distinct = new TreeMap<>();
        files.forEach((p, b) -> {
            if (!p.startsWith("assets/")) {
                distinct.put(etag(p, b), (long) b.length);
            }
        });
        return distinct.values().stream().mapToLong(Long::longValue).sum();
    }

    // ---- faults

    /** The next responses for {@code path} break the connection after these many body bytes (one per request). */
    void dropAfter(String path, long... bytes) {
        List<Long> list = drops.computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>()));
        for (long b : bytes) {
            list.add(b);
        }
    }

    /** {@code path} is served with one byte changed. */
    void corrupt(String path) {
        corrupt.add(path);
    }

    void healCorruption() {
        corrupt.clear();
    }

    /** The next {@code times} requests for {@code path} (or "api") get {@code status} with an X-Error-Code. */
    void fail(String path, int status, String errorCode, int times) {
        List<String[]> list = errors.computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>()));
        for (int i = 0; i < times; i++) {
            list.add(new String[] {Integer.toString(status), errorCode});
        }
    }

    /** {@code path} is sent one 16 kB chunk per {@code millis}. */
    public void slow(String path, long millis) {
        slowMillisPerChunk.put(path, millis);
    }

    public void fast() {
        slowMillisPerChunk.clear();
    }

    void ignoreRange(boolean ignore) {
        ignoreRange = ignore;
    }

    // ---- counters

    long bytesServed(String path) {
        AtomicLong n = bytesServed.get(path);
        return n == null ? 0 : n.get();
    }

    public long bytesServedTotal() {
        return bytesServed.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** The Range headers of the requests for {@code path}, in order; "" for none. */
    List<String> ranges(String path) {
        return List.copyOf(ranges.getOrDefault(path, List.of()));
    }

    int listings() {
        return listings.get();
    }

    int fileRequests() {
        return fileRequests.get();
    }

    List<String> hubAuthorizations() {
        return List.copyOf(hubAuthorizations);
    }

    List<String> cdnAuthorizations() {
        return List.copyOf(cdnAuthorizations);
    }

    public void resetCounters() {
        bytesServed.clear();
        ranges.clear();
        listings.set(0);
        fileRequests.set(0);
        hubAuthorizations.clear();
        cdnAuthorizations.clear();
    }

    // ---- the two servers

    private void hub(HttpExchange ex) throws IOException {
        try (ex) {
            hubAuthorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            String api = "/api/models/" + REPO + "/revision/";
            String resolve = "/" + REPO + "/resolve/";
            if (path.startsWith(api)) {
                listing(ex, path.substring(api.length()));
            } else if (path.startsWith(resolve)) {
                String rest = path.substring(resolve.length());
                int slash = rest.indexOf('/');
                resolve(ex, rest.substring(0, slash), rest.substring(slash + 1));
            } else if (path.startsWith("/api/models/")) {
                error(ex, 401, "RepoNotFound", "Repository not found");
            } else {
                error(ex, 404, "RepoNotFound", "Repository not found");
            }
        }
    }

    private boolean injectedError(HttpExchange ex, String key) throws IOException {
        List<String[]> list = errors.get(key);
        String[] e = null;
        if (list != null) {
            synchronized (list) {
                e = list.isEmpty() ? null : list.remove(0);
            }
        }
        if (e == null) {
            return false;
        }
        error(ex, Integer.parseInt(e[0]), e[1], "injected");
        return true;
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null && !code.isEmpty()) {
            ex.getResponseHeaders().add("X-Error-Code", code);
        }
        ex.getResponseHeaders().add("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private void listing(HttpExchange ex, String revision) throws IOException {
        listings.incrementAndGet();
        if (injectedError(ex, "api")) {
            return;
        }
        if (!revision.equals("main") && !revision.equals(commit)) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        if (!"blobs=true".equals(ex.getRequestURI().getQuery())) {
            error(ex, 400, "", "the downloader must ask for blobs");
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("id", REPO);
        o.addProperty("sha", commit);
        JsonArray siblings = new JsonArray();
        files.forEach((p, b) -> {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", p);
            s.addProperty("size", b.length);
            if (lfs(p)) {
                String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256Of(p) + "\nsize "
                        + b.length + "\n";
                s.addProperty("blobId", gitBlobId(pointer.getBytes(StandardCharsets.US_ASCII)));
                JsonObject l = new JsonObject();
                l.addProperty("sha256", sha256Of(p));
                l.addProperty("size", b.length);
                l.addProperty("pointerSize", pointer.length());
                s.add("lfs", l);
            } else {
                s.addProperty("blobId", gitBlobIdOf(p));
            }
            siblings.add(s);
        });
        o.add("siblings", siblings);
        byte[] body = o.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, String revision, String path) throws IOException {
        fileRequests.incrementAndGet();
        if (injectedError(ex, path)) {
            return;
        }
        byte[] b = files.get(path);
        if (b == null || !(revision.equals(commit) || revision.equals("main"))) {
            ex.getResponseHeaders().add("X-Repo-Commit", commit);
            error(ex, 404, "EntryNotFound", "Entry not found");
            return;
        }
        ex.getResponseHeaders().add("X-Repo-Commit", commit);
        if (lfs(path)) {
            String cdnUrl = "http://" + cdn.getAddress().getHostString() + ":" + cdn.getAddress().getPort() + "/cdn/"
                    + sha256Of(path) + "?path=" + path + "&signature=abc";
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256Of(path) + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", Long.toString(b.length));
            ex.getResponseHeaders().add("Location", cdnUrl);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        ex.getResponseHeaders().add("ETag", "\"" + gitBlobIdOf(path) + "\"");
        serve(ex, path, b);
    }

    private void cdn(HttpExchange ex) throws IOException {
        try (ex) {
            cdnAuthorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String query = ex.getRequestURI().getQuery();
            String path = query.substring("path=".length(), query.indexOf("&signature"));
            serve(ex, path, files.get(path));
        }
    }

    /** The content, from the requested byte on, with the faults that apply. */
    private void serve(HttpExchange ex, String path, byte[] content) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>()))
                .add(range == null ? "" : range);
        int start = 0;
        if (range != null && !ignoreRange) {
            start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (start >= content.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().add("Content-Range",
                    "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
        }
        byte[] body = content;
        if (corrupt.contains(path)) {
            body = content.clone();
            body[body.length / 2] ^= 0x5a;
        }
        long n = body.length - start;
        ex.sendResponseHeaders(start > 0 ? 206 : 200, n == 0 ? -1 : n);
        Long drop = null;
        List<Long> pending = drops.get(path);
        if (pending != null) {
            synchronized (pending) {
                drop = pending.isEmpty() ? null : pending.remove(0);
            }
        }
        long limit = drop == null ? n : Math.min(drop, n);
        long slow = slowMillisPerChunk.getOrDefault(path, 0L);
        AtomicLong served = bytesServed.computeIfAbsent(path, k -> new AtomicLong());
        OutputStream out = ex.getResponseBody();
        try {
            for (long off = 0; off < limit; ) {
                int len = (int) Math.min(CHUNK, limit - off);
                if (slow > 0) {
                    Thread.sleep(slow);
                }
                out.write(body, (int) (start + off), len);
                out.flush();
                served.addAndGet(len);
                off += len;
            }
        } catch (IOException | InterruptedException e) {
            return; // the client went away (cancel) or the server is closing
        }
        if (drop != null && limit < n) {
            // A handler that fails before the promised length makes the server close the connection: a lost network.
            throw new IOException("injected connection drop");
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
