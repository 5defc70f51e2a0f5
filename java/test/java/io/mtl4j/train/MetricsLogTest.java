package io.mtl4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path dir;

    @Test
    void anUndefinedScoreIsWrittenAsValidJson() throws Exception {
        Path file = dir.resolve(MetricsLog.FILE_NAME);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", 10);
        line.put("task", "stsb");
        line.put("spearman", Double.NaN); // a regression head that predicts a constant
        line.put("pearson", Double.NaN);
        try (MetricsLog log = new MetricsLog(file)) {
            log.write(line);
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of("{\"step\":10,\"task\":\"stsb\",\"spearman\":\"NaN\",\"pearson\":\"NaN\"}"), lines);
        JsonNode node = new ObjectMapper().readTree(lines.get(0)); // the default parser refuses a bare NaN
        assertTrue(Double.isNaN(node.get("pearson").asDouble()), "compare's curves read it back as NaN");
    }
}
