package io.mtl4j.hub;

import io.mtl4j.cli.CliRunner;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.model.InputBatch;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.util.UserError;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models and GLUE data from the hub; eval's and predict's --checkpoint: a local path first, else a hub id. */
class ModelSourceAndGlueTest {
    static final String COMMIT = "3333333333333333333333333333333333333333";
    private static final String CLASSIFIER_COMMIT = "4444444444444444444444444444444444444444";

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
    void existingDirectoryIsUsedAsIs() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("my-model"));
        assertEquals(dir, ModelSource.resolve(dir.toString(), null, env));
        assertTrue(hub.requests().isEmpty());
    }

    @Test
    void hubIdIsDownloaded() {
        hub.put("acme/m", COMMIT, "config.json", bytes("{}"), false, "main");
        hub.put("acme/m", COMMIT, "tokenizer.json", bytes("{\"t\":1}"), false);
        hub.put("acme/m", COMMIT, "model.safetensors", bytes("weights"), true);
        Path dir = ModelSource.resolve("acme/m", null, env);
        assertEquals(tmp.resolve("hf/hub/models--acme--m/snapshots/" + COMMIT), dir);
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
    }

    @Test
    void neitherDirectoryNorHubIdIsAClearError() {
        String arg = tmp.resolve("missing/dir").toString();
        UserError e = assertThrows(UserError.class, () -> ModelSource.resolve(arg, null, env));
        assertEquals("model directory " + arg + " does not exist and is not a hub id (name or org/name)", e.getMessage());
        assertTrue(hub.requests().isEmpty());
        UserError relative = assertThrows(UserError.class, () -> ModelSource.resolve("../no-such/model-dir", null, env));
        assertEquals("model directory ../no-such/model-dir does not exist (relative to the working directory "
                + Path.of("").toAbsolutePath() + ") and is not a hub id (name or org/name)", relative.getMessage());
    }

    @Test
    void missingHubModelSaysItIsNotALocalDirectoryEither() {
        UserError e = assertThrows(UserError.class, () -> ModelSource.resolve("acme/absent", null, env));
        assertTrue(e.getMessage().startsWith("model acme/absent is not a local directory"), e.getMessage());
        assertTrue(e.getMessage().contains("model repo acme/absent not found"), e.getMessage());
    }

    @Test
    void glueTaskParquetFilesLandInTheDatasetCache() throws IOException {
        byte[] train = bytes("PAR1 train PAR1");
        byte[] validation = bytes("PAR1 validation PAR1");
        hub.put("datasets/nyu-mll/glue", COMMIT, "cola/train-00000-of-00001.parquet", train, true, "main");
        hub.put("datasets/nyu-mll/glue", COMMIT, "cola/validation-00000-of-00001.parquet", validation, true);
        // No test split: tolerated.

        Path snapshot = GlueHub.download("cola", env);

        assertEquals(tmp.resolve("hf/hub/datasets--nyu-mll--glue/snapshots/" + COMMIT), snapshot);
        assertArrayEquals(train, Files.readAllBytes(GlueHub.splitFile(snapshot, "cola", "train")));
        assertArrayEquals(validation, Files.readAllBytes(snapshot.resolve("cola/validation-00000-of-00001.parquet")));
        assertFalse(Files.exists(GlueHub.splitFile(snapshot, "cola", "test")));
        Path link = Files.readSymbolicLink(snapshot.resolve("cola/train-00000-of-00001.parquet"));
        assertTrue(link.toString().startsWith("../../../blobs/"), link.toString());
        assertTrue(hub.requests().stream().filter(r -> !r.isCdn())
                .allMatch(r -> r.path().startsWith("/datasets/nyu-mll/glue/resolve/")), hub.requests().toString());
    }

    @Test
    void mnliFetchesItsFiveSplits() {
        for (String split : GlueHub.splits("mnli")) {
            hub.put("datasets/nyu-mll/glue", COMMIT, "mnli/" + split + "-00000-of-00001.parquet", bytes(split), true, "main");
        }
        Path snapshot = GlueHub.download("MNLI", env);
        for (String split : new String[] {"train", "validation_matched", "validation_mismatched", "test_matched",
                "test_mismatched"}) {
            assertTrue(Files.isRegularFile(GlueHub.splitFile(snapshot, "mnli", split)), split);
        }
    }

    @Test
    void missingTrainSplitOrUnknownTaskIsAnError() {
        hub.put("datasets/nyu-mll/glue", COMMIT, "rte/validation-00000-of-00001.parquet", bytes("v"), true, "main");
        UserError noTrain = assertThrows(UserError.class, () -> GlueHub.download("rte", env));
        assertTrue(noTrain.getMessage().contains("rte/train-00000-of-00001.parquet"), noTrain.getMessage());
        assertTrue(noTrain.getMessage().contains("nyu-mll/glue"), noTrain.getMessage());

        UserError unknown = assertThrows(UserError.class, () -> GlueHub.download("squad", env));
        assertTrue(unknown.getMessage().contains("unknown GLUE task 'squad'"), unknown.getMessage());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aClassifierOnTheHubIsDownloadedAndReadAsItsExport() throws Exception {
        Path export = trainAndExport();
        for (String file : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            hub.put("acme/tiny-sst2", CLASSIFIER_COMMIT, file, Files.readAllBytes(export.resolve(file)), file.endsWith(".safetensors"), "main");
        }
        Path downloaded = ModelSource.resolveLocalFirst("acme/tiny-sst2", null, env, DownloadProgress.none());
        assertEquals(tmp.resolve("hf/hub/models--acme--tiny-sst2/snapshots/" + CLASSIFIER_COMMIT), downloaded);

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
    void aClassifierFromTheHubTruncatesAtItsTokenizerConfigsModelMaxLengthAsALocalCopyDoes() throws Exception {
        Path export = trainAndExport();
        Files.writeString(export.resolve("tokenizer_config.json"), "{\"model_max_length\": 8}");
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            hub.put("acme/short-sst2", CLASSIFIER_COMMIT, file, Files.readAllBytes(export.resolve(file)), file.endsWith(".safetensors"), "main");
        }
        Path downloaded = ModelSource.resolveLocalFirst("acme/short-sst2", null, env, DownloadProgress.none());
        assertEquals(8, LoadedCheckpoint.load(export, Devices.resolve("cpu"), null, List.of()).config().maxLength());
        assertEquals(8, LoadedCheckpoint.load(downloaded, Devices.resolve("cpu"), null, List.of()).config().maxLength(),
                "eval and predict read model_max_length from tokenizer_config.json: it is downloaded with the classifier");

        hub.put("acme/no-config-sst2", CLASSIFIER_COMMIT, "config.json", Files.readAllBytes(export.resolve("config.json")), false, "main");
        hub.put("acme/no-config-sst2", CLASSIFIER_COMMIT, "tokenizer.json", Files.readAllBytes(export.resolve("tokenizer.json")), false);
        hub.put("acme/no-config-sst2", CLASSIFIER_COMMIT, "model.safetensors", Files.readAllBytes(export.resolve("model.safetensors")), true);
        Path without = ModelSource.resolveLocalFirst("acme/no-config-sst2", null, env, DownloadProgress.none());
        assertFalse(Files.exists(without.resolve("tokenizer_config.json")), "a repo without one is no error");
    }

    @Test
    void anExistingPathOrOneThatIsNoHubIdIsLeftToTheCaller() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("acme"));
        assertEquals(dir, ModelSource.resolveLocalFirst(dir.toString(), null, env, DownloadProgress.none()));
        Path missing = tmp.resolve("runs/mtl/best");
        assertEquals(missing, ModelSource.resolveLocalFirst(missing.toString(), null, env, DownloadProgress.none()),
                "a missing checkpoint path gets the caller's 'does not exist' error, not a hub lookup");
        assertTrue(hub.requests().isEmpty());
        UserError absent = assertThrows(UserError.class,
                () -> ModelSource.resolveLocalFirst("acme/absent", null, env, DownloadProgress.none()));
        assertTrue(absent.getMessage().startsWith("checkpoint acme/absent is not a local directory"), absent.getMessage());
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
