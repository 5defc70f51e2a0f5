package io.mtl4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The two requests of a hub download, made as {@code huggingface_hub} makes them: a HEAD on the
 * resolve URL that does not follow redirects to another host (the headers of the redirect
 * itself carry the commit, etag and size), then a GET of the content that does follow them.
 * The token goes only to the endpoint's host, never to the LFS store or CDN.
 */
final class HubHttp {
    static final String USER_AGENT = "mtl4j/0.1; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 5;
    private static final Pattern SAFE_ETAG = Pattern.compile("^[A-Za-z0-9._-]{1,200}$");

    private final HubConfig config;
    private final HttpClient client;

    HubHttp(HubConfig config) {
        this.config = config;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (config.proxies().any()) {
            builder.proxy(config.proxies());
            config.proxies().authenticator().ifPresent(builder::authenticator);
        }
        this.client = builder.build();
    }

    /** HEAD on the resolve URL; follows only relative redirects (renamed repos), at most a few. */
    FileMetadata head(FileRef ref) {
        URI url = ref.resolveUrl(config.endpoint());
        HttpResponse<Void> response = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest request = request(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            response = send(request, HttpResponse.BodyHandlers.discarding(), ref);
            Optional<String> location = response.headers().firstValue("Location");
            if (isRedirect(response.statusCode()) && location.isPresent() && isRelative(location.get())) {
                url = url.resolve(location.get());
                continue;
            }
            break;
        }
        Objects.requireNonNull(response);
        int status = response.statusCode();
        if (hopsExhausted(response)) {
            throw new UserError("too many redirects for " + ref.describe() + " (" + strip(url) + ")");
        }
        if (status >= 400 || status < 200) {
            throw error(response.statusCode(), response.headers(), url, ref);
        }
        return metadata(response.headers(), url, isRedirect(status), ref);
    }

    /**
     * The paths of the files directly in {@code dir} of {@code repo} at {@code revision}, from the
     * hub's tree API ({@code /api/{models|datasets}/{repo}/tree/{revision}/{dir}}), as
     * {@code huggingface_hub.list_repo_tree} asks for them. Only the first page is read.
     */
    List<String> listDir(RepoId repo, String revision, String dir) {
        FileRef ref = new FileRef(repo, revision, dir);
        URI url = URI.create(config.endpoint() + "/api/" + repo.type().cachePrefix() + "/" + repo.id() + "/tree/"
                + FileRef.encode(revision) + "/" + FileRef.encodePath(dir));
        HttpResponse<String> response = send(request(url).GET().build(), HttpResponse.BodyHandlers.ofString(), ref);
        if (response.statusCode() != 200) {
            throw error(response.statusCode(), response.headers(), url, ref);
        }
        List<String> paths = new ArrayList<>();
        try {
            for (JsonNode entry : new ObjectMapper().readTree(response.body())) {
                if ("file".equals(entry.path("type").asText()) && entry.path("path").isTextual()) {
                    paths.add(entry.path("path").asText());
                }
            }
        } catch (IOException e) {
            throw new UserError("the hub sent no JSON file list for " + dir + " of " + repo + " (" + strip(url) + ")", e);
        }
        return paths;
    }

    /**
     * GET of the content from {@code offset} on ({@code Range: bytes=offset-} when above 0),
     * following redirects, into {@code writer}. Returns the 200, 206 or 416 response; whether
     * the body went to the file is {@link BodyWriter#wrote()}. Fails if no byte arrives for
     * {@code readTimeout}, cancelling the transfer.
     */
    HttpResponse<Boolean> download(URI contentUrl, long offset, FileRef ref, BodyWriter writer, Duration readTimeout) {
        URI url = contentUrl;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder builder = request(url, readTimeout).GET();
            if (offset > 0) {
                builder.header("Range", "bytes=" + offset + "-");
            }
            HttpResponse<Boolean> response = sendWatched(builder.build(), writer, ref, readTimeout);
            int status = response.statusCode();
            if (status == 200 || status == 206 || status == 416) {
                return response;
            }
            Optional<String> location = response.headers().firstValue("Location");
            if (isRedirect(status) && location.isPresent()) {
                url = url.resolve(location.get());
                continue;
            }
            throw contentError(status, response.headers(), url, ref);
        }
        throw new UserError("too many redirects downloading " + ref.describe() + " (last: " + strip(url) + ")");
    }

    private HttpResponse<Boolean> sendWatched(HttpRequest request, BodyWriter writer, FileRef ref, Duration readTimeout) {
        CompletableFuture<HttpResponse<Boolean>> pending = client.sendAsync(request, writer);
        long pollMillis = Math.max(20, readTimeout.toMillis() / 5);
        while (true) {
            try {
                return pending.get(pollMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (writer.failure() != null) {
                    cancel(pending, writer);
                    throw new UserError("cannot write " + writer.file() + ": " + writer.failure().getMessage(),
                            writer.failure());
                }
                if (System.nanoTime() - writer.lastActivityNanos() > readTimeout.toNanos()) {
                    cancel(pending, writer);
                    throw new UserError("download of " + ref.describe() + " from " + strip(request.uri())
                            + " stalled: no data for " + seconds(readTimeout) + " after "
                            + BlobDownloader.humanSize(writer.bytesOnDisk()) + " (run again to resume; set "
                            + HubConfig.DOWNLOAD_TIMEOUT + " to wait longer)");
                }
            } catch (ExecutionException e) {
                throw failure(e.getCause(), request, ref, HubConfig.DOWNLOAD_TIMEOUT);
            } catch (InterruptedException e) {
                cancel(pending, writer);
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while downloading " + ref.describe() + " from " + strip(request.uri()), e);
            }
        }
    }

    private static void cancel(CompletableFuture<?> pending, BodyWriter writer) {
        writer.abort();
        pending.cancel(true);
    }

    /** The endpoint's host; messages name it. */
    String endpointName() {
        return config.endpoint().toString();
    }

    private HttpRequest.Builder request(URI url) {
        return request(url, config.requestTimeout());
    }

    private HttpRequest.Builder request(URI url, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("User-Agent", USER_AGENT)
                .header("Accept-Encoding", "identity");
        if (config.token().isPresent() && sameHost(url, config.endpoint())) {
            builder.header("Authorization", "Bearer " + config.token().get());
        }
        return builder;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, FileRef ref) {
        try {
            return client.send(request, handler);
        } catch (IOException e) {
            throw failure(e, request, ref, HubConfig.ETAG_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while fetching " + ref.describe() + " from " + strip(request.uri()), e);
        }
    }

    /** The one-line error for a request that got no response. */
    private UserError failure(Throwable e, HttpRequest request, FileRef ref, String timeoutVariable) {
        String where = strip(request.uri());
        if (e instanceof UserError userError) {
            return userError;
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new HubUnreachableError("timed out connecting to " + where + " after " + seconds(config.connectTimeout())
                    + " (hub endpoint " + endpointName() + "; set HF_ENDPOINT, HTTPS_PROXY, or HF_HUB_OFFLINE=1 to use the"
                    + " cache)", e);
        }
        if (e instanceof HttpTimeoutException) {
            Duration timeout = request.timeout().orElse(config.requestTimeout());
            return new HubUnreachableError("no response from " + where + " within " + seconds(timeout)
                    + " (hub endpoint " + endpointName() + "; set " + timeoutVariable + " to a number of seconds to wait"
                    + " longer)", e);
        }
        if (e instanceof ConnectException) {
            return new HubUnreachableError("cannot connect to " + where + ": connection refused or unreachable (hub endpoint "
                    + endpointName() + "; set HF_ENDPOINT, or HF_HUB_OFFLINE=1 to use the cache)", e);
        }
        if (e instanceof UncheckedIOException unchecked) {
            return new UserError(unchecked.getMessage(), e);
        }
        return new HubUnreachableError("network error fetching " + ref.describe() + " from " + where + ": " + e, e);
    }

    private FileMetadata metadata(HttpHeaders headers, URI url, boolean redirected, FileRef ref) {
        Optional<String> commit = headers.firstValue("X-Repo-Commit").map(String::trim).filter(s -> !s.isEmpty());
        Optional<String> linkedEtag = headers.firstValue("X-Linked-Etag");
        String etag = linkedEtag.or(() -> headers.firstValue("ETag")).map(FileMetadata::normalizeEtag)
                .orElseThrow(() -> new UserError("the hub sent no ETag for " + ref.describe() + " (" + strip(url)
                        + "); is HF_ENDPOINT a Hugging Face hub?"));
        if (!SAFE_ETAG.matcher(etag).matches()) {
            throw new UserError("the hub sent an unusable ETag '" + etag + "' for " + ref.describe() + " (" + strip(url) + ")");
        }
        long size = longHeader(headers, "X-Linked-Size").orElse(longHeader(headers, "Content-Length").orElse(-1));
        URI contentUrl = atCommit(url, ref, commit);
        if (redirected) {
            contentUrl = url.resolve(headers.firstValue("Location").orElseThrow(() -> new UserError(
                    "the hub redirected " + ref.describe() + " without a Location header (" + strip(url) + ")")));
        }
        return new FileMetadata(commit, etag, size, contentUrl, linkedEtag.isPresent());
    }

    /**
     * The resolve URL at the commit the lookup resolved the revision to: the bytes of a file
     * served by the hub itself (not LFS) are then those of that commit even if the branch moves
     * before the GET, as its etag and snapshot are.
     */
    private static URI atCommit(URI url, FileRef ref, Optional<String> commit) {
        String revisionPart = "/resolve/" + FileRef.encode(ref.revision()) + "/";
        String s = url.toString();
        int at = s.indexOf(revisionPart);
        if (commit.isEmpty() || !RepoCache.isCommitSha(commit.get()) || at < 0) {
            return url;
        }
        return URI.create(s.substring(0, at) + "/resolve/" + commit.get() + "/" + s.substring(at + revisionPart.length()));
    }

    /**
     * The one-line error for a failed GET of content the lookup (HEAD) had found: never a
     * {@link HubFileNotFoundError}, which callers take for a file the repo lacks, and on another
     * host than the endpoint (the LFS store, a CDN, which get no token) no HF_TOKEN advice.
     */
    private UserError contentError(int status, HttpHeaders headers, URI url, FileRef ref) {
        if (status >= 500) {
            return error(status, headers, url, ref);
        }
        if (sameHost(url, config.endpoint()) && (status == 401 || status == 403)) {
            return error(status, headers, url, ref);
        }
        String detail = headers.firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
        return new UserError("HTTP " + status + " downloading the content of " + ref.describe() + " from "
                + strip(url) + ", though the hub's lookup found the file" + detail + "; run again, or check HF_ENDPOINT"
                + " and the network's proxy");
    }

    /** The one-line error for a failed request, naming the repo, file, revision and URL. */
    private UserError error(int status, HttpHeaders headers, URI url, FileRef ref) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String detail = headers.firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
        String where = " (" + strip(url) + ")";
        String repo = ref.repo().toString();
        boolean tokenSent = config.token().isPresent() && sameHost(url, config.endpoint());
        if (status == 401 || (status == 403 && !code.equals("GatedRepo"))) {
            String hint = tokenSent
                    ? "the token in HF_TOKEN (or $HF_HOME/token) was refused or has no access to it"
                    : "it may be private or gated: set HF_TOKEN to a token with access";
            return new UserError("HTTP " + status + " for " + ref.describe() + where + ": " + repo
                    + " does not exist or " + hint + detail);
        }
        if (status == 403) {
            return new UserError("HTTP 403 for " + ref.describe() + where + ": " + repo
                    + " is gated; accept its terms on the hub and set HF_TOKEN to a token with access" + detail);
        }
        if (status == 404) {
            return switch (code) {
                case "RepoNotFound" -> new UserError(repo + " not found (HTTP 404" + where + ")" + detail);
                case "RevisionNotFound" -> new UserError("revision '" + ref.revision() + "' not found in " + repo
                        + " (HTTP 404" + where + ")" + detail);
                case "EntryNotFound" -> new HubFileNotFoundError("file " + ref.filename() + " not found in " + repo
                        + " at revision " + ref.revision() + " (HTTP 404" + where + ")" + detail,
                        headers.firstValue("X-Repo-Commit").filter(RepoCache::isCommitSha).orElse(null));
                default -> new HubFileNotFoundError(repo + " or its file " + ref.filename() + " not found at revision "
                        + ref.revision() + " (HTTP 404" + where + ")" + detail,
                        headers.firstValue("X-Repo-Commit").filter(RepoCache::isCommitSha).orElse(null));
            };
        }
        if (status >= 500) {
            return new HubUnreachableError("HTTP " + status + " for " + ref.describe() + where + detail);
        }
        return new UserError("HTTP " + status + " for " + ref.describe() + where + detail);
    }

    private static boolean hopsExhausted(HttpResponse<?> response) {
        Optional<String> location = response.headers().firstValue("Location");
        return isRedirect(response.statusCode()) && location.isPresent() && isRelative(location.get());
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean isRelative(String location) {
        return !URI.create(location).isAbsolute();
    }

    static boolean sameHost(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static OptionalLong longHeader(HttpHeaders headers, String name) {
        Optional<String> value = headers.firstValue(name);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.get().trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A duration as seconds for messages: {@code 30s}, {@code 0.5s}. */
    static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }

    /** The URL without its query string: signed CDN URLs carry credentials there. */
    static String strip(URI url) {
        String s = url.toString();
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q);
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do: the response is being abandoned
        }
    }
}
