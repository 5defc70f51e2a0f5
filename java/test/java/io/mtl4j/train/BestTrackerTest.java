package io.mtl4j.train;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BestTrackerTest {
    private static Map<String, Double> main(double sst2, double mnli) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("sst2", sst2);
        m.put("mnli", mnli);
        return m;
    }

    private static Map<String, Map<String, Double>> metrics(double sst2, double mnli) {
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        m.put("sst2", Map.of("accuracy", sst2));
        m.put("mnli", Map.of("accuracy", mnli));
        return m;
    }

    private static BestTracker.Update record(BestTracker t, long step, double sst2, double mnli) {
        return t.record(step, metrics(sst2, mnli), main(sst2, mnli));
    }

    @Test
    void bestOverallIsTheBestMeanAndEachTaskKeepsItsOwnBest() {
        BestTracker t = new BestTracker();
        assertEquals(new BestTracker.Update(true, List.of("sst2", "mnli")), record(t, 100, 0.80, 0.50));
        // mean 0.66 beats 0.65; of the tasks only sst2 improved on its own
        assertEquals(new BestTracker.Update(true, List.of("sst2")), record(t, 200, 0.84, 0.48));
        // mean 0.655 < 0.66: not the best overall, yet mnli's best so far
        assertEquals(new BestTracker.Update(false, List.of("mnli")), record(t, 300, 0.76, 0.55));
        assertEquals(200, t.bestStep());
        assertEquals(0.66, t.bestScore(), 1e-12);
        assertEquals(metrics(0.84, 0.48), t.bestMetrics(), "eval.json holds the best checkpoint's scores");
        assertEquals(metrics(0.76, 0.55), t.lastMetrics());
        assertEquals(Map.of("sst2", 0.84, "mnli", 0.55), t.bestTaskScores());
        assertEquals(Map.of("sst2", 200L, "mnli", 300L), t.bestTaskSteps());
    }

    @Test
    void aTieIsNoGainAndPatienceCountsEvaluationsWithout() {
        BestTracker t = new BestTracker();
        record(t, 1, 0.5, 0.5);
        assertFalse(record(t, 2, 0.5, 0.5).improved(), "a tie keeps the earlier checkpoint");
        assertEquals(1, t.bestStep());
        assertFalse(t.patienceExhausted(2));
        record(t, 3, 0.4, 0.4);
        assertTrue(t.patienceExhausted(2));
        assertFalse(t.patienceExhausted(0), "patience 0 never stops");
        assertTrue(record(t, 4, 0.6, 0.5).improved());
        assertFalse(t.patienceExhausted(2), "a gain resets the count");
    }

    @Test
    void restoreContinuesWhereTheSavedStateLeftOff() {
        BestTracker a = new BestTracker();
        record(a, 1, 0.7, 0.6);
        record(a, 2, 0.6, 0.6);
        TrainerState saved = new TrainerState(2, 0L, 2, Map.of(), Map.of(), a.bestScore(), a.bestStep(),
                a.bestTaskScores(), a.evalsWithoutGain(), 0, 0, a.lastMetrics(), a.bestMetrics(), a.bestTaskSteps());
        BestTracker b = new BestTracker();
        b.restore(saved, a.bestMetrics());
        assertEquals(record(a, 3, 0.71, 0.6), record(b, 3, 0.71, 0.6));
        assertEquals(a.bestStep(), b.bestStep());
        assertEquals(a.bestMetrics(), b.bestMetrics());
        assertEquals(a.bestTaskSteps(), b.bestTaskSteps());
        assertEquals(a.evalsWithoutGain(), b.evalsWithoutGain());
    }
}
