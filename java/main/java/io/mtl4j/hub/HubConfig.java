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
 *   <li>{@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code ALL_PROXY}, {@code NO_PROXY} (and their
 *       lowercase names), as {@code requests} reads them: see {@link HubProxies}</li>
 * </ul>
 *
 * @param readTimeout how long a download may go without receiving a byte before it fails
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
        return new HubConfig(
                parseEndpoint(env.get("HF_ENDPOINT").orElse(DEFAULT_ENDPOINT)),
                hubCache,
                token,
                env.isTrue("HF_HUB_OFFLINE"),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                HubProxies.from(env));
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
