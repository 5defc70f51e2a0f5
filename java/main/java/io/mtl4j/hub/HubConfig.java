package io.mtl4j.hub;

import io.mtl4j.util.UserError;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Hub settings, read from the environment the way {@code huggingface_hub} reads them, so that
 * mtl4j and Python share one cache and one token.
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: default {@code https://huggingface.co}</li>
 *   <li>{@code HF_HOME}: default {@code $XDG_CACHE_HOME/huggingface}, else
 *       {@code ~/.cache/huggingface}</li>
 *   <li>{@code HF_HUB_CACHE} (or legacy {@code HUGGINGFACE_HUB_CACHE}): default
 *       {@code $HF_HOME/hub}</li>
 *   <li>{@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}</li>
 *   <li>{@code HF_HUB_OFFLINE}: 1/true/yes/on means cache only, no network at all</li>
 *   <li>{@code HF_HUB_ETAG_TIMEOUT}: seconds a lookup may take (default 30)</li>
 *   <li>{@code HF_HUB_DOWNLOAD_TIMEOUT}: seconds a download may wait for its response or its
 *       next byte (default 60)</li>
 *   <li>{@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code ALL_PROXY}, {@code NO_PROXY} (and their
 *       lowercase names), as {@code requests} reads them: see {@link HubProxies}</li>
 * </ul>
 *
 * @param requestTimeout how long a lookup (HEAD, file list) may take ({@code HF_HUB_ETAG_TIMEOUT})
 * @param readTimeout how long a download may wait for its response or go without receiving a
 *     byte before it fails ({@code HF_HUB_DOWNLOAD_TIMEOUT})
 */
public record HubConfig(
        URI endpoint,
        Path hubCache,
        Optional<String> token,
        boolean offline,
        Duration connectTimeout,
        Duration requestTimeout,
        Duration readTimeout,
        HubProxies proxies) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** Seconds a lookup (HEAD, file list) may take before it fails. */
    public static final String ETAG_TIMEOUT = "HF_HUB_ETAG_TIMEOUT";
    /** Seconds a download may wait for its response or for its next byte before it fails. */
    public static final String DOWNLOAD_TIMEOUT = "HF_HUB_DOWNLOAD_TIMEOUT";
    /**
     * Longer than {@code huggingface_hub}'s 10 s each: a busy hub or CDN answering a lookup in
     * 15 s, or pausing a large download for 20 s, should not fail a training run.
     */
    static final Duration DEFAULT_ETAG_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_DOWNLOAD_TIMEOUT = Duration.ofSeconds(60);
    /** Raised to the longest timeout set, if longer: a slow network to connect over is why one sets them. */
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public HubConfig {
        if (token == null) {
            token = Optional.empty();
        }
        if (proxies == null) {
            proxies = HubProxies.none();
        }
    }

    public static HubConfig from(Env env) {
        Path hfHome = env.get("HF_HOME")
                .map(HubConfig::expandHome)
                .orElseGet(() -> env.get("XDG_CACHE_HOME").map(Path::of)
                        .orElseGet(() -> userHome().resolve(".cache"))
                        .resolve("huggingface"));
        Path hubCache = env.get("HF_HUB_CACHE")
                .or(() -> env.get("HUGGINGFACE_HUB_CACHE"))
                .map(HubConfig::expandHome)
                .orElse(hfHome.resolve("hub"));
        Path tokenFile = env.get("HF_TOKEN_PATH").map(HubConfig::expandHome).orElse(hfHome.resolve("token"));
        Optional<String> token = env.get("HF_TOKEN").or(() -> readTokenFile(tokenFile));
        Optional<Duration> etag = seconds(env, ETAG_TIMEOUT);
        Optional<Duration> download = seconds(env, DOWNLOAD_TIMEOUT);
        Duration connect = DEFAULT_CONNECT_TIMEOUT;
        for (Duration set : new Duration[] {etag.orElse(Duration.ZERO), download.orElse(Duration.ZERO)}) {
            connect = set.compareTo(connect) > 0 ? set : connect;
        }
        return new HubConfig(
                parseEndpoint(env.get("HF_ENDPOINT").orElse(DEFAULT_ENDPOINT)),
                hubCache,
                token,
                env.isTrue("HF_HUB_OFFLINE"),
                connect,
                etag.orElse(DEFAULT_ETAG_TIMEOUT),
                download.orElse(DEFAULT_DOWNLOAD_TIMEOUT),
                HubProxies.from(env));
    }

    /**
     * A timeout in seconds, integer or decimal, as {@code huggingface_hub} reads
     * {@code HF_HUB_ETAG_TIMEOUT} and {@code HF_HUB_DOWNLOAD_TIMEOUT}; empty if unset.
     */
    private static Optional<Duration> seconds(Env env, String name) {
        Optional<String> value = env.get(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        double seconds;
        try {
            seconds = Double.parseDouble(value.get());
        } catch (NumberFormatException e) {
            seconds = Double.NaN;
        }
        if (!value.get().matches("[0-9.eE+-]+") || !Double.isFinite(seconds) || seconds <= 0 || seconds > 1e9) {
            throw new UserError(name + " '" + value.get() + "' is not a timeout: give a positive number of seconds,"
                    + " such as 10 or 2.5");
        }
        return Optional.of(Duration.ofNanos(Math.max(1_000_000L, Math.round(seconds * 1e9))));
    }

    /** The same settings with other timeouts (tests use short ones). */
    public HubConfig withTimeouts(Duration connect, Duration request, Duration read) {
        return new HubConfig(endpoint, hubCache, token, offline, connect, request, read, proxies);
    }

    private static URI parseEndpoint(String value) {
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        try {
            URI uri = URI.create(trimmed);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new UserError("HF_ENDPOINT '" + value + "' is not a valid URL: " + e.getMessage());
        }
    }

    private static Optional<String> readTokenFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read hub token: " + io.mtl4j.util.IoErrors.reason(e), e);
        }
    }

    private static Path expandHome(String path) {
        if (path.equals("~")) {
            return userHome();
        }
        if (path.startsWith("~/")) {
            return userHome().resolve(path.substring(2));
        }
        return Path.of(path);
    }

    private static Path userHome() {
        return Path.of(System.getProperty("user.home"));
    }

    @Override
    public String toString() {
        // Never print the token.
        return "HubConfig[endpoint=" + endpoint + ", hubCache=" + hubCache + ", token="
                + (token.isPresent() ? "<set>" : "<none>") + ", offline=" + offline + ", proxies=" + proxies + "]";
    }
}
