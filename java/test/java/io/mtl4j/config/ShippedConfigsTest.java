package io.mtl4j.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The configs in configs/ load, and hold the recipes the README and the issue promise. */
class ShippedConfigsTest {
    private static final Path CONFIGS = Path.of("configs");

    @Test
    void theCpuConfigIsTheRecipeSizedForTwoCores() {
        TrainConfig c = ConfigLoader.load(CONFIGS.resolve("minilm-cpu.yaml"), Map.of());
        assertEquals(List.of("sst2", "mnli", "qqp"), c.tasks());
        assertEquals(1500, c.steps());
        assertEquals(32, c.batchSize());
        assertEquals(5e-5, c.lr());
        assertEquals(5e-5, c.headLr());
        assertEquals(0.1, c.warmupRatio());
        assertEquals("temperature", c.sampler());
        assertEquals(2.0, c.temperature());
        assertEquals("pooler", c.headInput());
        assertEquals("cpu", c.device());
    }

    @Test
    void theMissionConfigIsBertLargeFromTheHubOnOneGpuInBf16() {
        TrainConfig c = ConfigLoader.load(CONFIGS.resolve("glue-bert-large.yaml"), Map.of());
        assertEquals("google-bert/bert-large-uncased", c.model());
        assertEquals("hub", c.data());
        assertEquals(List.of("mnli", "qqp", "sst2"), c.tasks());
        assertEquals("cuda", c.device());
        assertEquals("bf16", c.precision());
        assertEquals("pooler", c.headInput());
    }

    @Test
    void theCpuConfigsHeadsFollowAnLrGivenOnTheCommandLine() {
        TrainConfig c = ConfigLoader.load(CONFIGS.resolve("minilm-cpu.yaml"), Map.of("lr", 1e-4));
        assertEquals(1e-4, c.headLr());
    }
}
