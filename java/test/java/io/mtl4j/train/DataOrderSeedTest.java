package io.mtl4j.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class DataOrderSeedTest {
    @Test
    void noTasksDataOrderSharesTheSamplersSeedAndOtherSeedsKeepTheirOrder() {
        for (long seed = -100; seed <= 100; seed++) {
            for (int task = 0; task < 8; task++) {
                long s = Trainer.dataOrderSeed(seed, task);
                assertNotEquals(seed, s, "seed " + seed + ", task " + task + ": the task sampler is seeded with " + seed);
                if (seed != 0 || task != 0) {
                    assertEquals(seed * 31 + task, s, "runs of earlier versions reproduce");
                }
            }
        }
    }
}
