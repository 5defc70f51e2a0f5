package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoakBenchTest {
    @TempDir
    Path dir;

    @Test
    void reportsMemoryGrowthFromTheEndOfWarmup() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 8);
        Path data = TinyGlue.write(dir.resolve("glue"), 64, 8, 1);
        CliRunner r = CliRunner.run("bench", "soak", "--model", model.toString(), "--data", data.toString(),
                "--steps", "200", "--every", "50", "--batch-size", "8", "--device", "cpu",
                "--cache-dir", dir.resolve("cache").toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        for (String key : new String[]{"rss_mb_start", "rss_mb_end", "rss_growth_fraction", "javacpp_bytes_growth_fraction"}) {
            assertTrue(n.has(key), key);
        }
        assertTrue(n.get("rss_mb_start").asDouble() > 0);
        assertEquals(20, n.get("warmup_steps").asInt());
        // samples at the end of warm-up (20), every 50 steps, and the last step
        assertEquals(5, n.get("samples").size());
        // the report says under which memory settings it was measured
        assertTrue(n.get("memory_conditions").get("jvm_always_pretouch").isBoolean());
        assertTrue(n.get("memory_conditions").has("malloc_mmap_threshold"));
    }

    /** The trainer's log says "--memory-warmup false skips it": the bench takes that flag too, and reports it. */
    @Test
    void memoryWarmupFalseIsAcceptedAndReported() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 8);
        Path data = TinyGlue.write(dir.resolve("glue"), 32, 8, 1);
        CliRunner r = CliRunner.run("bench", "soak", "--model", model.toString(), "--data", data.toString(),
                "--steps", "10", "--every", "5", "--batch-size", "8", "--device", "cpu", "--memory-warmup", "false",
                "--cache-dir", dir.resolve("cache").toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals(false, n.get("memory_conditions").get("memory_warmup").asBoolean(true));
    }
}
