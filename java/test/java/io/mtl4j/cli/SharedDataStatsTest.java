package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code mtl4j data stats} on the real SST-2 in ../shared; skipped when ../shared is absent. */
class SharedDataStatsTest {
    @Test
    void sst2CountsMatchTheDataset(@TempDir Path cache) throws Exception {
        Path shared = TinyModels.sharedDir();
        assumeTrue(shared != null, "no ../shared directory; skipping");
        Path glue = shared.resolve("glue");
        Path model = shared.resolve("models/minilm-l6-h384");
        assumeTrue(Files.isRegularFile(glue.resolve("sst2/train.jsonl")), "no " + glue + "/sst2; skipping");
        assumeTrue(Files.isRegularFile(model.resolve("tokenizer.json")), "no " + model + "; skipping");

        CliRunner r = CliRunner.run("data", "stats", "--task", "sst2", "--data", glue.toString(), "--model",
                model.toString(), "--cache-dir", cache.toString(), "--json");

        assertEquals(0, r.exitCode(), r.err());
        JsonNode splits = new ObjectMapper().readTree(r.out()).get("splits");
        assertEquals(67_349, splits.get("train").get("rows").asInt());
        assertEquals(29_780, splits.get("train").get("labels").get("0").asInt());
        assertEquals(37_569, splits.get("train").get("labels").get("1").asInt());
        assertEquals(872, splits.get("validation").get("rows").asInt());
        assertEquals(428, splits.get("validation").get("labels").get("0").asInt());
        assertEquals(444, splits.get("validation").get("labels").get("1").asInt());
        assertEquals(0, splits.get("train").get("skipped").asInt());
        assertEquals(0, splits.get("validation").get("skipped").asInt());
    }
}
