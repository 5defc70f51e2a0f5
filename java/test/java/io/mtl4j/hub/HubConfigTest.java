package io.mtl4j.hub;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsFollowHuggingfaceHub() {
        HubConfig config = HubConfig.from(Env.of(Map.of("XDG_CACHE_HOME", tmp.toString())));
        assertEquals(URI.create("https://huggingface.co"), config.endpoint());
        assertEquals(tmp.resolve("huggingface/hub"), config.hubCache());
        assertFalse(config.offline());
    }

    @Test
    void environmentOverridesEachSetting() throws IOException {
        Files.createDirectories(tmp.resolve("home"));
        Files.writeString(tmp.resolve("home/token"), "from-file\n");
        HubConfig fromHome = HubConfig.from(Env.of(Map.of("HF_HOME", tmp.resolve("home").toString(),
                "HF_ENDPOINT", "http://mirror.example:8080/", "HF_HUB_OFFLINE", "YES")));
        assertEquals(URI.create("http://mirror.example:8080"), fromHome.endpoint());
        assertEquals(tmp.resolve("home/hub"), fromHome.hubCache());
        assertEquals(Optional.of("from-file"), fromHome.token());
        assertTrue(fromHome.offline());
        assertFalse(fromHome.toString().contains("from-file"), "toString must not print the token");

        HubConfig explicit = HubConfig.from(Env.of(Map.of("HF_HOME", tmp.resolve("home").toString(),
                "HF_HUB_CACHE", tmp.resolve("elsewhere").toString(), "HF_TOKEN", "env-token", "HF_HUB_OFFLINE", "0")));
        assertEquals(tmp.resolve("elsewhere"), explicit.hubCache());
        assertEquals(Optional.of("env-token"), explicit.token());
        assertFalse(explicit.offline());
    }

    @Test
    void badEndpointIsAUserError() {
        UserError e = assertThrows(UserError.class, () -> HubConfig.from(Env.of(Map.of("HF_ENDPOINT", "huggingface.co"))));
        assertTrue(e.getMessage().startsWith("HF_ENDPOINT 'huggingface.co' is not a valid URL"), e.getMessage());
    }

    @Test
    void repoIdsFollowHubRules() {
        for (String ok : new String[] {"bert-base-uncased", "google-bert/bert-base-uncased", "org/name.v2", "a_b/c-d"}) {
            assertTrue(RepoId.isValid(ok), ok);
        }
        for (String bad : new String[] {"", "/abs/path", "./local", "a/b/c", "org--x/name", "org/na..me", "org/name.git",
                "-org/name", "org/name-", "org/" + "x".repeat(97), "C:\\models\\bert"}) {
            assertFalse(RepoId.isValid(bad), bad);
        }
        assertEquals("models--google-bert--bert-base-uncased",
                RepoId.model("google-bert/bert-base-uncased").cacheFolderName());
        assertEquals("datasets--nyu-mll--glue", RepoId.dataset("nyu-mll/glue").cacheFolderName());
    }

    @Test
    void filenamesAndRevisionsCannotEscapeTheCache() {
        RepoId repo = RepoId.model("org/name");
        for (String bad : new String[] {"../x", "a/../../b", "/etc/passwd", "a//b", "a\\b", ""}) {
            assertThrows(UserError.class, () -> new FileRef(repo, "main", bad), bad);
        }
        assertThrows(UserError.class, () -> new FileRef(repo, "../../x", "config.json"));
        assertEquals(URI.create("http://h/org/name/resolve/refs%2Fpr%2F1/sub%20dir/a.json"),
                new FileRef(repo, "refs/pr/1", "sub dir/a.json").resolveUrl(URI.create("http://h")));
    }
}
