package io.mtl4j.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.cli.CliRunner;
import io.mtl4j.testing.TinyGlue;
import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {
    @TempDir
    Path dir;

    @Test
    void comparesSingleAndMultiTaskRunsAndWritesTheReport() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.write(model, 2);
        Path data = TinyGlue.write(dir.resolve("glue"), 48, 16, 4);
        Path out = dir.resolve("compare");
        CliRunner r = CliRunner.run("compare", "--model", model.toString(), "--data", data.toString(), "--tasks", "sst2,qqp",
                "--steps", "8", "--eval-every", "4", "--batch-size", "8", "--device", "cpu", "--seeds", "2",
                "--with-pcgrad", "--with-frozen", "1", "--cache-dir", dir.resolve("cache").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        // per seed: multi, two single-task baselines, pcgrad, frozen-1
        assertEquals(10, report.get("runs").size());
        for (JsonNode run : report.get("runs")) {
            if (run.get("kind").asText().equals("single")) {
                String task = run.get("tasks").get(0).asText();
                long seed = run.get("seed").asLong();
                JsonNode multi = null;
                for (JsonNode m : report.get("runs")) {
                    if (m.get("kind").asText().equals("multi") && m.get("seed").asLong() == seed) {
                        multi = m;
                    }
                }
                assertNotNull(multi);
                assertEquals(multi.get("task_steps").get(task).asLong(), run.get("task_steps").get(task).asLong(),
                        "the baseline gets the steps its task got in the multi-task run");
            }
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| single vs multi | sst2 | accuracy |"), md);
        assertTrue(md.contains("| plain vs pcgrad | qqp | f1 |"), md);
        assertTrue(md.contains("| full vs frozen-1 |"), md);
        assertTrue(md.contains("± "), "two seeds give a standard deviation: " + md);
        BufferedImage png = ImageIO.read(out.resolve("curves.png").toFile());
        assertTrue(png.getWidth() > 500 && png.getHeight() > 200);
    }
}
