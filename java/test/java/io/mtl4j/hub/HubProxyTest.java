package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as {@code huggingface_hub} (through requests) honours them. */
class HubProxyTest {
    static final String REPO = "acme/tiny-bert";
    static final String MAIN = "1111111111111111111111111111111111111111";

    @TempDir
    Path tmp;
    FakeHub hub;
    ForwardProxy proxy;
    byte[] config = "{\"model_type\":\"bert\"}".getBytes(StandardCharsets.UTF_8);
    byte[] weights = new byte[50_000];

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        proxy = new ForwardProxy();
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (byte) (i * 31);
        }
        hub.put(REPO, MAIN, "config.json", config, false, "main");
        hub.put(REPO, MAIN, "model.safetensors", weights, true);
    }

    @AfterEach
    void stop() {
        proxy.close();
        hub.close();
    }

    HubClient client(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.endpoint());
        env.put("HF_HOME", tmp.resolve("hf").toString());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return new HubClient(HubConfig.from(Env.of(env)));
    }

    @Test
    void requestsGoThroughHttpProxyIncludingLocalhost() throws IOException {
        Path file = client("HTTP_PROXY", proxy.url()).downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(file));
        String port = hub.endpoint().substring(hub.endpoint().lastIndexOf(':') + 1);
        assertTrue(proxy.seen().contains("HEAD http://localhost:" + port + "/acme/tiny-bert/resolve/main/model.safetensors"),
                proxy.seen().toString());
        assertTrue(proxy.seen().stream().anyMatch(s -> s.startsWith("GET http://127.0.0.1:" + port + "/cdn/")),
                proxy.seen().toString());
    }

    @Test
    void noProxyBypassesListedHostsOnly() throws IOException {
        client("http_proxy", proxy.url(), "NO_PROXY", "example.org, localhost")
                .downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        String port = hub.endpoint().substring(hub.endpoint().lastIndexOf(':') + 1);
        assertTrue(proxy.seen().stream().noneMatch(s -> s.contains("//localhost:")), proxy.seen().toString());
        assertTrue(proxy.seen().stream().anyMatch(s -> s.startsWith("GET http://127.0.0.1:" + port + "/cdn/")),
                proxy.seen().toString());

        int before = proxy.seen().size();
        client("HTTP_PROXY", proxy.url(), "NO_PROXY", "*").downloadFile(RepoType.MODEL, REPO, "main", "config.json");
        assertEquals(before, proxy.seen().size(), proxy.seen().toString());
    }

    @Test
    void credentialsInTheProxyUrlAnswerTheProxy() throws IOException {
        proxy.requiredAuthorization = "Basic " + java.util.Base64.getEncoder()
                .encodeToString("alice:s3cr@t".getBytes(StandardCharsets.UTF_8));
        String withUser = proxy.url().replace("http://", "http://alice:s3cr%40t@");
        Path file = client("HTTP_PROXY", withUser).downloadFile(RepoType.MODEL, REPO, null, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(file));
        assertTrue(proxy.seen().stream().anyMatch(s -> s.contains("/cdn/")), proxy.seen().toString());
        assertFalse(HubConfig.from(Env.of(Map.of("HTTP_PROXY", withUser))).toString().contains("s3cr"));
    }

    @Test
    void httpsProxyDoesNotApplyToHttpEndpoint() throws IOException {
        client("HTTPS_PROXY", proxy.url()).downloadFile(RepoType.MODEL, REPO, null, "config.json");
        assertTrue(proxy.seen().isEmpty(), proxy.seen().toString());
    }

    @Test
    void selectionFollowsRequests() {
        HubProxies p = HubProxies.from(Env.of(Map.of(
                "HTTPS_PROXY", "proxy.corp:3128",
                "https_proxy", "http://lower.corp:8080",
                "HTTP_PROXY", "http://plain.corp",
                "NO_PROXY", ".internal.org,10.0.0.0/8,pinned.io:8443,*.wild.net")));
        assertEquals(Optional.of(URI.create("http://lower.corp:8080")), p.proxyFor(URI.create("https://huggingface.co/x")));
        assertEquals(Optional.of(URI.create("http://plain.corp:80")), p.proxyFor(URI.create("http://huggingface.co/x")));
        for (String direct : new String[] {"https://internal.org/a", "https://hub.internal.org/a", "https://10.1.2.3/a",
                "https://pinned.io:8443/a", "https://a.wild.net/", "https://wild.net/"}) {
            assertEquals(Optional.empty(), p.proxyFor(URI.create(direct)), direct);
        }
        for (String proxied : new String[] {"https://notinternal.org/a", "https://11.1.2.3/a", "https://pinned.io/a",
                "https://localhost:8080/", "https://127.0.0.1/"}) {
            assertTrue(p.proxyFor(URI.create(proxied)).isPresent(), proxied);
        }
        HubProxies emptyLower = HubProxies.from(Env.of(Map.of("https_proxy", "", "HTTPS_PROXY", "http://p:1")));
        assertEquals(Optional.empty(), emptyLower.proxyFor(URI.create("https://huggingface.co/")));
        HubProxies all = HubProxies.from(Env.of(Map.of("ALL_PROXY", "http://all:9", "no_proxy", "127.0.0.1:5000")));
        assertEquals(Optional.of(URI.create("http://all:9")), all.proxyFor(URI.create("https://huggingface.co/")));
        assertEquals(Optional.empty(), all.proxyFor(URI.create("http://127.0.0.1:5000/")));
        assertTrue(all.proxyFor(URI.create("http://127.0.0.1:5001/")).isPresent());
    }

    @Test
    void unusableProxyIsAOneLineErrorNamingTheVariable() {
        UserError socks = assertThrows(UserError.class,
                () -> HubConfig.from(Env.of(Map.of("HTTPS_PROXY", "socks5://u:secret@p:1080"))));
        assertTrue(socks.getMessage().startsWith("HTTPS_PROXY "), socks.getMessage());
        assertFalse(socks.getMessage().contains("secret"), socks.getMessage());
        assertFalse(socks.getMessage().contains("\n"));
    }
}
