package io.mtl4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mtl4j.util.Hashing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * A tiny Hugging Face hub on 127.0.0.1: resolve URLs with HF's headers (X-Repo-Commit, ETag,
 * X-Linked-Etag/X-Linked-Size and a 302 to {@code /cdn/{sha256}} for "LFS" files), HF's
 * X-Error-Code on 404, optional bearer-token check, and Range support on the CDN.
 *
 * <p>{@link #endpoint()} names the host {@code localhost}, the CDN redirects go to
 * {@code 127.0.0.1}: the same socket, but a different host to the client.
 */
final class FakeHub implements AutoCloseable {
    record Request(String method, String host, String path, String authorization, String range) {
        boolean isCdn() {
            return path.startsWith("/cdn/");
        }
    }

    private static final class Repo {
        final Map<String, String> refs = new HashMap<>();
        final Map<String, Map<String, byte[]>> files = new HashMap<>();
        final Map<String, Boolean> lfs = new HashMap<>();
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> cdn = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    volatile String requiredToken;
    volatile boolean ignoreRange;
    /** Serves LFS content with its first byte flipped, as a corrupted CDN would. */
    volatile boolean corruptCdn;
    /** Sends this many bytes of CDN content, then stalls for {@link #stallMillis}. */
    volatile int stallAfterBytes = -1;
    volatile long stallMillis;
    /** When above 0, the CDN answers every request with this status and no content. */
    volatile int cdnStatus;
    /** Run once, after the next HEAD on a resolve URL has been answered (e.g. to move a branch). */
    volatile Runnable afterNextHead;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The hub endpoint, for HF_ENDPOINT. */
    String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Adds a file to {@code repoPath} ({@code org/name} or {@code datasets/org/name}) at
     * {@code commit}; each of {@code branches} then points at that commit.
     */
    void put(String repoPath, String commit, String filename, byte[] content, boolean isLfs, String... branches) {
        Repo repo = repos.computeIfAbsent(repoPath, k -> new Repo());
        synchronized (repo) {
            repo.files.computeIfAbsent(commit, k -> new HashMap<>()).put(filename, content);
            repo.lfs.put(commit + "/" + filename, isLfs);
            for (String branch : branches) {
                repo.refs.put(branch, commit);
            }
        }
        if (isLfs) {
            cdn.put(Hashing.sha256Hex(content), content);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Host"), path,
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Range")));
            if (path.startsWith("/cdn/")) {
                serveCdn(exchange, path.substring("/cdn/".length()));
            } else if (path.startsWith("/api/")) {
                serveTree(exchange, path);
            } else {
                serveResolve(exchange, path);
                Runnable hook = afterNextHead;
                if (hook != null && exchange.getRequestMethod().equals("HEAD")) {
                    afterNextHead = null;
                    hook.run();
                }
            }
        }
    }

    private void serveResolve(HttpExchange exchange, String path) throws IOException {
        int at = path.indexOf("/resolve/");
        if (at < 0) {
            send(exchange, 404, new byte[0]);
            return;
        }
        if (requiredToken != null
                && !("Bearer " + requiredToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            exchange.getResponseHeaders().set("X-Error-Message", "Invalid credentials in Authorization header");
            send(exchange, 401, new byte[0]);
            return;
        }
        String repoPath = path.substring(1, at);
        String rest = path.substring(at + "/resolve/".length());
        int slash = rest.indexOf('/');
        String revision = decode(rest.substring(0, slash));
        String filename = decode(rest.substring(slash + 1));
        Repo repo = repos.get(repoPath);
        if (repo == null) {
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(exchange, 404, new byte[0]);
            return;
        }
        byte[] content;
        boolean isLfs;
        String commit;
        synchronized (repo) {
            commit = repo.files.containsKey(revision) ? revision : repo.refs.get(revision);
            if (commit == null) {
                exchange.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
                send(exchange, 404, new byte[0]);
                return;
            }
            content = repo.files.get(commit).get(filename);
            isLfs = Boolean.TRUE.equals(repo.lfs.get(commit + "/" + filename));
        }
        exchange.getResponseHeaders().set("X-Repo-Commit", commit);
        if (content == null) {
            exchange.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
            send(exchange, 404, new byte[0]);
            return;
        }
        exchange.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(content) + "\"");
        if (isLfs) {
            String sha256 = Hashing.sha256Hex(content);
            exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256 + "\"");
            exchange.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
            exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + server.getAddress().getPort()
                    + "/cdn/" + sha256 + "?X-Amz-Signature=secret");
            exchange.sendResponseHeaders(302, -1);
            return;
        }
        send(exchange, 200, content);
    }

    /**
     * {@code /api/{models|datasets}/{repo}/tree/{revision}/{dir}}: the files directly in {@code dir},
     * as JSON entries {@code {"type":"file","path":...,"size":...}}, as the hub's tree API lists them.
     */
    private void serveTree(HttpExchange exchange, String path) throws IOException {
        int at = path.indexOf("/tree/");
        if (at < 0) {
            send(exchange, 404, new byte[0]);
            return;
        }
        String prefix = path.substring("/api/".length(), at);
        String repoPath = prefix.startsWith("models/") ? prefix.substring("models/".length()) : prefix;
        String rest = path.substring(at + "/tree/".length());
        int slash = rest.indexOf('/');
        String revision = decode(slash < 0 ? rest : rest.substring(0, slash));
        String dir = slash < 0 ? "" : decode(rest.substring(slash + 1));
        Repo repo = repos.get(repoPath);
        if (repo == null) {
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(exchange, 404, new byte[0]);
            return;
        }
        StringBuilder json = new StringBuilder("[");
        synchronized (repo) {
            String commit = repo.files.containsKey(revision) ? revision : repo.refs.get(revision);
            if (commit == null) {
                exchange.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
                send(exchange, 404, new byte[0]);
                return;
            }
            String dirPrefix = dir.isEmpty() ? "" : dir + "/";
            for (Map.Entry<String, byte[]> file : new java.util.TreeMap<>(repo.files.get(commit)).entrySet()) {
                String name = file.getKey();
                if (name.startsWith(dirPrefix) && name.indexOf('/', dirPrefix.length()) < 0) {
                    json.append(json.length() > 1 ? "," : "").append("{\"type\":\"file\",\"path\":\"").append(name)
                            .append("\",\"size\":").append(file.getValue().length).append('}');
                }
            }
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, 200, json.append(']').toString().getBytes(StandardCharsets.UTF_8));
    }

    private void serveCdn(HttpExchange exchange, String sha256) throws IOException {
        byte[] content = cdn.get(sha256);
        if (cdnStatus > 0) {
            send(exchange, cdnStatus, new byte[0]);
            return;
        }
        if (content == null) {
            send(exchange, 404, new byte[0]);
            return;
        }
        if (corruptCdn) {
            content = content.clone();
            content[0] ^= 1;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null && !ignoreRange && range.startsWith("bytes=") && range.endsWith("-")) {
            int start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (start >= content.length) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                send(exchange, 416, new byte[0]);
                return;
            }
            exchange.getResponseHeaders().set("Content-Range",
                    "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
            send(exchange, 206, Arrays.copyOfRange(content, start, content.length));
            return;
        }
        send(exchange, 200, content);
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (stallAfterBytes >= 0 && stallAfterBytes < body.length) {
                out.write(body, 0, stallAfterBytes);
                out.flush();
                sleep(stallMillis);
                out.write(body, stallAfterBytes, body.length - stallAfterBytes);
            } else {
                out.write(body);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The sha1 git gives a blob: what the hub sends as the ETag of a non-LFS file. */
    static String gitBlobSha1(byte[] content) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
