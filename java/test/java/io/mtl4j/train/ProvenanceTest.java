package io.mtl4j.train;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProvenanceTest {
    @Test
    void hubDataRecordsTheRevisionAndTheCommitOfEverySplit() {
        Map<String, String> commits = new LinkedHashMap<>();
        commits.put("sst2/validation", "2".repeat(40));
        commits.put("sst2/train", "1".repeat(40));

        Map<String, Object> entry = Provenance.hubData("v1.0", commits);

        assertEquals(List.of("repo", "revision", "commits"), List.copyOf(entry.keySet()));
        assertEquals("nyu-mll/glue", entry.get("repo"));
        assertEquals("v1.0", entry.get("revision"));
        assertEquals(List.of("sst2/train", "sst2/validation"), List.copyOf(((Map<?, ?>) entry.get("commits")).keySet()),
                "sorted, so two runs' provenance compare line by line");
    }
}
