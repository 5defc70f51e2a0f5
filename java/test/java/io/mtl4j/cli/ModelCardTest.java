package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TestFiles;
import io.mtl4j.testing.TinyGlue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An export's README.md, the model card the hub shows. */
class ModelCardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void trainSmallRun() throws Exception {
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 24, 9);
        run = TinyRuns.train(dir, "run", data, "sst2,qqp", "--steps", "20", "--eval-every", "10");
    }

    @Test
    void anExportsCardGivesItsLabelsScoresTrainingAndProvenance() throws Exception {
        String card = exportCard(run.resolve("best"), "sst2", "card");
        assertTrue(card.startsWith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n"), card);
        assertTrue(card.contains("datasets:\n  - nyu-mll/glue\n") && card.contains("metrics:\n  - accuracy\n"), card);
        assertTrue(card.contains("trained jointly on sst2, qqp"), card);
        assertTrue(card.contains("| 0 | negative |\n| 1 | positive |\n"), card);

        double best = JSON.readTree(run.resolve("eval.json").toFile()).get("sst2").get("accuracy").asDouble();
        assertTrue(card.contains(String.format(Locale.ROOT, "| validation | accuracy | %.4f |", best)),
                "the dev score measured at the exported step, as eval.json holds it: " + card);
        assertTrue(card.contains("| learning rate | 0.001 |") && card.contains("| sampler | temperature (T=2) |"), card);

        JsonNode provenance = JSON.readTree(run.resolve("best/mtl4j.json").toFile()).get("provenance");
        assertTrue(card.contains("\"git_sha\" : \"" + provenance.get("git_sha").asText() + "\""), card);
        assertFalse(card.contains("\"host\""), "a published card does not name the machine");
        assertTrue(card.contains("max_length=128"), card);
    }

    @Test
    void aCheckpointAwayFromItsRunHasNoScoresAndAClsHeadSaysItIsNotExact() throws Exception {
        Path moved = TestFiles.copyTree(run.resolve("best"), dir.resolve("elsewhere/best"));
        assertFalse(exportCard(moved, "qqp", "moved").contains("Dev scores"), "no metrics.jsonl beside it: no scores claimed");

        Path data = dir.resolve("glue");
        Path cls = TinyRuns.train(dir, "run-cls", data, "sst2", "--steps", "4", "--eval-every", "0", "--head-input", "cls");
        String card = exportCard(cls.resolve("last"), "sst2", "cls");
        assertTrue(card.contains("**Not exact in transformers:**") && card.contains("\"mtl4j_head_input\": \"cls\""), card);
        assertTrue(card.contains("# sst2 head of an mtl4j single-task model") && !card.contains("| sampler |"), card);
        assertFalse(card.contains("Dev scores"), "not evaluated at that step: " + card);
    }

    @Test
    void aUserTasksLabelsWithATablesBarStayInTheirCell() throws Exception {
        Path tasks = Files.writeString(dir.resolve("tasks.yaml"), """
                tasks:
                  - name: senti
                    text_fields: [sentence]
                    labels: ["not | good", "good"]
                    files:
                      train: glue/sst2/train.jsonl
                      validation: glue/sst2/validation.jsonl
                """);
        Path senti = TinyRuns.train(dir, "run-senti", dir.resolve("glue"), "senti", "--task-file", tasks.toString(),
                "--steps", "2", "--eval-every", "0");
        String card = exportCard(senti.resolve("last"), "senti", "senti");
        assertTrue(card.contains("| 0 | not \\| good |\n| 1 | good |\n"), "a | in a label is escaped, as GitHub's tables need: " + card);
    }

    @Test
    void baseModelIsClaimedOnlyForAModelThatCameFromTheHub() throws Exception {
        // --model models/tiny (a local directory, relative) reads as a hub id once the card is written from elsewhere
        Path local = recorded("local", "models/tiny", dir.resolve("model").toString());
        assertFalse(exportCard(local, "sst2", "local-base").contains("base_model"), "a local directory is no hub model");

        Path hub = recorded("hub", "acme/tiny", dir.resolve("hf/hub/models--acme--tiny/snapshots/" + "3".repeat(40)).toString());
        assertTrue(exportCard(hub, "sst2", "hub-base").contains("base_model: acme/tiny\n"), "downloaded from the hub: its id");
    }

    /** A copy of the run's best checkpoint whose mtl4j.json says it was trained from --model {@code model}, read from {@code modelDir}. */
    private static Path recorded(String name, String model, String modelDir) throws Exception {
        Path copy = TestFiles.copyTree(run.resolve("best"), dir.resolve("recorded-" + name + "/best"));
        com.fasterxml.jackson.databind.node.ObjectNode meta = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                copy.resolve("mtl4j.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) meta.get("config")).put("model", model);
        ((com.fasterxml.jackson.databind.node.ObjectNode) meta.get("provenance")).put("model_dir", modelDir);
        JSON.writeValue(copy.resolve("mtl4j.json").toFile(), meta);
        return copy;
    }

    @Test
    void aReexportKeepsTheSourcesCardOrSaysItRecordsNoRun() throws Exception {
        String card = exportCard(run.resolve("best"), "sst2", "source");
        Path source = dir.resolve("export-source");
        assertEquals(card, exportCard(source, "sst2", "reexport"), "the author's card, as it was");

        Path withoutCard = TestFiles.copyTree(source, dir.resolve("python-fine-tune"));
        Files.delete(withoutCard.resolve("README.md"));
        String written = exportCard(withoutCard, "sst2", "reexport-no-card");
        assertTrue(written.contains("# sst2 classifier\n") && written.contains("records no training run"), written);
        assertFalse(written.contains("mtl4j single-task model") || written.contains("## Training"), written);
    }

    private static String exportCard(Path checkpoint, String task, String name) throws Exception {
        Path out = dir.resolve("export-" + name);
        CliRunner r = CliRunner.run("export", "--checkpoint", checkpoint.toString(), "--task", task, "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        return Files.readString(out.resolve("README.md"));
    }
}
