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

    @Test
    void modelHashesIncludePytorchModelBinOnlyWhenTheWeightsCameFromIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{}");
        java.nio.file.Files.writeString(dir.resolve("pytorch_model.bin"), "bin");
        assertEquals(List.of("config.json", "pytorch_model.bin"), List.copyOf(Provenance.modelHashes(dir).keySet()));
        assertEquals(io.mtl4j.util.Hashing.sha256Hex("bin".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Provenance.modelHashes(dir).get("pytorch_model.bin"));

        java.nio.file.Files.writeString(dir.resolve("model.safetensors"), "st");
        assertEquals(List.of("config.json", "model.safetensors"), List.copyOf(Provenance.modelHashes(dir).keySet()),
                "beside safetensors the .bin is not read, so it is not what the weights came from");
    }
}
