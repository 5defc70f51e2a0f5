package io.mtl4j.hub;

import io.mtl4j.util.UserError;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The proxies {@code huggingface_hub} uses through {@code requests}: {@code https_proxy} /
 * {@code HTTPS_PROXY} for https URLs, {@code http_proxy} / {@code HTTP_PROXY} for http ones,
 * {@code all_proxy} / {@code ALL_PROXY} for either; the lowercase name wins, and a lowercase
 * name set to the empty string means no proxy for that scheme. {@code no_proxy} /
 * {@code NO_PROXY} lists hosts reached directly: {@code *} (all), a host or domain
 * ({@code example.com} and {@code .example.com} both cover {@code example.com} and its
 * subdomains), {@code host:port}, or an IPv4 CIDR block ({@code 10.0.0.0/8}). Unlike Java's
 * own defaults, {@code localhost} and {@code 127.0.0.1} go through the proxy unless listed, as
 * with {@code requests}.
 *
 * <p>A proxy is a plain-HTTP proxy ({@code http://host:port}, or {@code host:port}); https
 * URLs go through it as a CONNECT tunnel. Credentials in the proxy URL
 * ({@code http://user:pass@host:port}) are sent to the proxy when it asks for them; the JDK
 * sends Basic credentials inside CONNECT (https URLs) only when run with
 * {@code -Djdk.http.auth.tunneling.disabledSchemes=}.
 */
final class HubProxies extends ProxySelector {
    private record Target(String variable, URI url) {
    }

    private final Target http;
    private final Target https;
    private final List<String> noProxy;

    private HubProxies(Target http, Target https, List<String> noProxy) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
    }

    static HubProxies none() {
        return new HubProxies(null, null, List.of());
    }

    static HubProxies from(Env env) {
        Target all = proxy(env, "all_proxy");
        Target http = orElse(proxy(env, "http_proxy"), all);
        Target https = orElse(proxy(env, "https_proxy"), all);
        String noProxy = env.get("no_proxy").or(() -> env.get("NO_PROXY")).orElse("");
        List<String> entries = new ArrayList<>();
        for (String entry : noProxy.split(",")) {
            String e = entry.trim().toLowerCase(Locale.ROOT);
            if (e.startsWith("*.")) {
                e = e.substring(1);
            }
            while (e.startsWith(".")) {
                e = e.substring(1);
            }
            if (!e.isEmpty() || entry.trim().equals("*")) {
                entries.add(entry.trim().equals("*") ? "*" : e);
            }
        }
        return new HubProxies(http, https, List.copyOf(entries));
    }

    /** The proxy for {@code url}, empty when it is reached directly. */
    Optional<URI> proxyFor(URI url) {
        Target target = "https".equalsIgnoreCase(url.getScheme()) ? https : http;
        if (target == null || url.getHost() == null || bypassed(url)) {
            return Optional.empty();
        }
        return Optional.of(target.url());
    }

    /** Whether any proxy is set; without one the HTTP client needs no selector. */
    boolean any() {
        return http != null || https != null;
    }

    @Override
    public List<Proxy> select(URI uri) {
        return List.of(proxyFor(uri)
                .<Proxy>map(p -> new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.getHost(), p.getPort())))
                .orElse(Proxy.NO_PROXY));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // nothing to remember: there is one proxy per scheme, as with requests
    }

    /** Answers a proxy's request for credentials with those in its URL, if any. */
    Optional<Authenticator> authenticator() {
        if (userInfo(http) == null && userInfo(https) == null) {
            return Optional.empty();
        }
        return Optional.of(new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                if (getRequestorType() != RequestorType.PROXY) {
                    return null;
                }
                for (Target t : new Target[] {https, http}) {
                    String info = userInfo(t);
                    if (info != null && t.url().getHost().equalsIgnoreCase(getRequestingHost())
                            && t.url().getPort() == getRequestingPort()) {
                        int colon = info.indexOf(':');
                        String user = colon < 0 ? info : info.substring(0, colon);
                        String pass = colon < 0 ? "" : info.substring(colon + 1);
                        return new PasswordAuthentication(decode(user), decode(pass).toCharArray());
                    }
                }
                return null;
            }
        });
    }

    private static String userInfo(Target t) {
        return t == null ? null : t.url().getRawUserInfo();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private boolean bypassed(URI url) {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        for (String entry : noProxy) {
            if (entry.equals("*")) {
                return true;
            }
            String name = entry;
            int colon = entry.lastIndexOf(':');
            if (colon > 0 && entry.indexOf(':') == colon && entry.substring(colon + 1).matches("\\d{1,5}")) {
                if (Integer.parseInt(entry.substring(colon + 1)) != port) {
                    continue;
                }
                name = entry.substring(0, colon);
            }
            if (host.equals(name) || host.endsWith("." + name) || inCidr(host, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inCidr(String host, String entry) {
        int slash = entry.indexOf('/');
        if (slash < 0) {
            return false;
        }
        long ip = ipv4(host);
        long net = ipv4(entry.substring(0, slash));
        int bits;
        try {
            bits = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (ip < 0 || net < 0 || bits < 0 || bits > 32) {
            return false;
        }
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ip & mask) == (net & mask);
    }

    /** The IPv4 address as an unsigned int, or -1 if {@code s} is not one. */
    private static long ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long value = 0;
        for (String part : parts) {
            if (!part.matches("\\d{1,3}") || Integer.parseInt(part) > 255) {
                return -1;
            }
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static Target orElse(Target first, Target second) {
        return first != null ? first : second;
    }

    /**
     * The proxy named by {@code lower} or its uppercase name; null if unset or the lowercase name
     * is set empty.
     */
    private static Target proxy(Env env, String lower) {
        String upper = lower.toUpperCase(Locale.ROOT);
        String lowerValue = env.raw(lower);
        String variable = lowerValue != null ? lower : upper;
        String value = lowerValue != null ? lowerValue : env.raw(upper);
        if (value == null || value.isBlank()) {
            return null;
        }
        return new Target(variable, parse(variable, value.trim()));
    }

    private static URI parse(String variable, String value) {
        String withScheme = value.contains("://") ? value : "http://" + value;
        URI uri;
        try {
            uri = URI.create(withScheme);
        } catch (IllegalArgumentException e) {
            throw new UserError(variable + " '" + redact(value) + "' is not a proxy URL (http://host:port)");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new UserError(variable + " '" + redact(value) + "': mtl4j's hub client speaks plain HTTP to proxies"
                    + " (CONNECT for https URLs), not " + uri.getScheme() + "; give it as http://host:port");
        }
        if (uri.getHost() == null) {
            throw new UserError(variable + " '" + redact(value) + "' names no proxy host (http://host:port)");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : 80;
        return URI.create("http://" + (uri.getRawUserInfo() != null ? uri.getRawUserInfo() + "@" : "")
                + (uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost())
                + ":" + port);
    }

    /** The proxy URL without its password, for messages. */
    private static String redact(String value) {
        return value.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }

    @Override
    public String toString() {
        return "HubProxies[http=" + (http == null ? "direct" : redact(http.url().toString()))
                + ", https=" + (https == null ? "direct" : redact(https.url().toString())) + ", no_proxy=" + noProxy + "]";
    }
}
