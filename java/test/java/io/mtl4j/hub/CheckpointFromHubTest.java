package io.mtl4j.hub;

import io.mtl4j.cli.CliRunner;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.model.InputBatch;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.BertTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval's and predict's --checkpoint: a local path first, else a hub id of a BertForSequenceClassification model. */
class CheckpointFromHubTest {
    private static final String COMMIT = "4444444444444444444444444444444444444444";

    @TempDir
    Path tmp;
    FakeHub hub;
    Env env;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        env = Env.of(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", tmp.resolve("hf").toString()));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void aClassifierOnTheHubIsDownloadedAndReadAsItsExport() throws Exception {
        Path export = trainAndExport();
        for (String file : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            hub.put("acme/tiny-sst2", COMMIT, file, Files.readAllBytes(export.resolve(file)), file.endsWith(".safetensors"), "main");
        }
        Path downloaded = ModelSource.resolveLocalFirst("acme/tiny-sst2", null, env, DownloadProgress.none());
        assertEquals(tmp.resolve("hf/hub/models--acme--tiny-sst2/snapshots/" + COMMIT), downloaded);

        LoadedCheckpoint fromHub = LoadedCheckpoint.load(downloaded, Devices.resolve("cpu"), null, List.of());
        LoadedCheckpoint local = LoadedCheckpoint.load(export, Devices.resolve("cpu"), null, List.of());
        assertEquals(List.of("sst2"), List.copyOf(fromHub.tasks().keySet()));
        try (BertTokenizer tok = BertTokenizer.load(downloaded, 64); PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            InputBatch in = InputBatch.of(List.of(tok.encode("a great film", null), tok.encode("the plot was boring", null)), 0, null);
            assertArrayEquals(Tensors.toFloatArray(local.model().forward("sst2", in, false)),
                    Tensors.toFloatArray(fromHub.model().forward("sst2", in, false)), 0f);
        }
    }

    @Test
    void anExistingPathOrOneThatIsNoHubIdIsLeftToTheCaller() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("acme"));
        assertEquals(dir, ModelSource.resolveLocalFirst(dir.toString(), null, env, DownloadProgress.none()));
        Path missing = tmp.resolve("runs/mtl/best");
        assertEquals(missing, ModelSource.resolveLocalFirst(missing.toString(), null, env, DownloadProgress.none()),
                "a missing checkpoint path gets the caller's 'does not exist' error, not a hub lookup");
        assertTrue(hub.requests().isEmpty());
    }

    private Path trainAndExport() throws Exception {
        Path model = tmp.resolve("model");
        TinyModels.write(model, 3);
        Path data = TinyGlue.write(tmp.resolve("glue"), 32, 8, 9);
        Path run = tmp.resolve("run");
        CliRunner train = CliRunner.run("train", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2",
                "--batch-size", "16", "--lr", "1e-3", "--steps", "4", "--eval-every", "4", "--device", "cpu",
                "--cache-dir", tmp.resolve("cache").toString(), "--output", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        Path export = tmp.resolve("export");
        CliRunner exported = CliRunner.run("export", "--checkpoint", run.resolve("best").toString(), "--task", "sst2",
                "--output", export.toString());
        assertEquals(0, exported.exitCode(), exported.err());
        return export;
    }
}
