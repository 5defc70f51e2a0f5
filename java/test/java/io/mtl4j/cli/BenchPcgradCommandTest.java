package io.mtl4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchPcgradCommandTest {
    private static final String[] KEYS = {"native_ms", "naive_ms", "speedup_vs_naive", "bandwidth_fraction",
            "conflict_rate", "tasks", "params", "device", "max_rel_diff"};

    @Test
    void jsonHasTheKeysAndTheRunChecksNativeAgainstNaive() throws Exception {
        CliRunner r = CliRunner.run("bench", "pcgrad", "--tasks", "4", "--params", "20000", "--device", "cpu",
                "--conflict-rate", "0.5", "--repeats", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        String line = r.out().strip();
        assertEquals(1, line.lines().count(), line);
        JsonNode json = new ObjectMapper().readTree(line);
        for (String key : KEYS) {
            assertTrue(json.has(key), "missing " + key + " in " + line);
        }
        assertEquals(4, json.get("tasks").asInt());
        assertEquals(20000, json.get("params").asLong());
        assertEquals("cpu", json.get("device").asText());
        assertEquals(0.5, json.get("conflict_rate").asDouble(), 1e-12, "3 of the 6 pairs");
        assertTrue(json.get("native_ms").asDouble() > 0 && json.get("naive_ms").asDouble() > 0, line);
        assertTrue(json.get("bandwidth_fraction").asDouble() > 0, line);
        assertTrue(json.get("max_rel_diff").asDouble() < 1e-4, line);
        double speedup = json.get("naive_ms").asDouble() / json.get("native_ms").asDouble();
        assertEquals(speedup, json.get("speedup_vs_naive").asDouble(), 1e-9 * speedup);
    }

    /** Numbers print as everywhere else in mtl4j (Locale.ROOT): a German locale printed "0,37 ms". */
    @Test
    void textReportIgnoresTheLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        CliRunner r;
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            r = CliRunner.run("bench", "pcgrad", "--tasks", "2", "--params", "1000", "--device", "cpu", "--repeats", "2");
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("(?s).*native +\\d+\\.\\d\\d ms.*"), r.out());
        assertTrue(r.out().contains("max relative diff native vs naive "), r.out());
        assertTrue(!r.out().matches("(?s).*\\d,\\d.*"), r.out());
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CliRunner r = CliRunner.run("bench", "pcgrad", "--tasks", "3", "--params", "10", "--device", "cpu");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--params must be at least 768"), r.err());
    }
}
