package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HF_HUB_ETAG_TIMEOUT (lookups) and HF_HUB_DOWNLOAD_TIMEOUT (downloads), as huggingface_hub reads them. */
class HubTimeoutTest {
    static final String REPO = "acme/tiny-bert";
    static final String MAIN = "1111111111111111111111111111111111111111";

    @TempDir
    Path tmp;

    @Test
    void timeoutsAreReadInSecondsWithDefaults() {
        HubConfig defaults = HubConfig.from(Env.of(Map.of("HF_HOME", tmp.toString())));
        assertEquals(Duration.ofSeconds(30), defaults.requestTimeout());
        assertEquals(Duration.ofSeconds(60), defaults.readTimeout());
        assertEquals(Duration.ofSeconds(10), defaults.connectTimeout());

        HubConfig set = HubConfig.from(Env.of(Map.of("HF_HOME", tmp.toString(),
                "HF_HUB_ETAG_TIMEOUT", "2.5", "HF_HUB_DOWNLOAD_TIMEOUT", " 120 ")));
        assertEquals(Duration.ofMillis(2500), set.requestTimeout());
        assertEquals(Duration.ofSeconds(120), set.readTimeout());
        assertEquals(Duration.ofSeconds(120), set.connectTimeout(), "connecting may take as long as the longest timeout set");
    }

    @Test
    void badTimeoutIsAOneLineErrorNamingTheVariable() {
        for (String bad : new String[] {"ten", "0", "-1", "NaN", "1e400"}) {
            UserError e = assertThrows(UserError.class, () -> HubConfig.from(Env.of(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", bad))),
                    bad);
            assertTrue(e.getMessage().startsWith("HF_HUB_DOWNLOAD_TIMEOUT '" + bad + "'"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        UserError e = assertThrows(UserError.class, () -> HubConfig.from(Env.of(Map.of("HF_HUB_ETAG_TIMEOUT", "5s"))));
        assertTrue(e.getMessage().startsWith("HF_HUB_ETAG_TIMEOUT '5s'"), e.getMessage());
    }

    @Test
    void stalledLookupFailsAfterEtagTimeoutNamingUrlAndVariable() throws Exception {
        try (SilentServer server = new SilentServer()) {
            HubClient client = new HubClient(HubConfig.from(Env.of(Map.of(
                    "HF_ENDPOINT", "http://127.0.0.1:" + server.port(),
                    "HF_HOME", tmp.resolve("hf").toString(),
                    "HF_HUB_ETAG_TIMEOUT", "0.5"))));
            long start = System.nanoTime();
            UserError e = assertThrows(UserError.class,
                    () -> client.downloadFile(RepoType.MODEL, REPO, null, "config.json"));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis < 4000, "took " + millis + " ms");
            assertTrue(e.getMessage().contains("http://127.0.0.1:" + server.port() + "/acme/tiny-bert/resolve/main/config.json"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("0.5s"), e.getMessage());
            assertTrue(e.getMessage().contains("HF_HUB_ETAG_TIMEOUT"), e.getMessage());
        }
    }

    @Test
    void stalledDownloadFailsAfterDownloadTimeoutNamingUrlAndVariable() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            hub.put(REPO, MAIN, "model.safetensors", new byte[10_000], true, "main");
            hub.stallAfterBytes = 0;
            hub.stallMillis = 4000;
            HubClient client = new HubClient(HubConfig.from(Env.of(Map.of(
                    "HF_ENDPOINT", hub.endpoint(),
                    "HF_HOME", tmp.resolve("hf").toString(),
                    "HF_HUB_DOWNLOAD_TIMEOUT", "0.4"))));
            long start = System.nanoTime();
            UserError e = assertThrows(UserError.class,
                    () -> client.downloadFile(RepoType.MODEL, REPO, null, "model.safetensors"));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis < 3000, "took " + millis + " ms");
            assertTrue(e.getMessage().contains("/cdn/"), e.getMessage());
            assertTrue(e.getMessage().contains("HF_HUB_DOWNLOAD_TIMEOUT"), e.getMessage());
        }
    }

    /** Accepts connections and never answers. */
    static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor = new Thread(this::accept, "silent-server");

        SilentServer() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    accepted.add(socket.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
