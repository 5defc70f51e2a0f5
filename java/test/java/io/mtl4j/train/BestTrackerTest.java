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
        assertEquals(metrics(0.76, 0.55), t.metricsAt(300));
        assertEquals(Map.of(), t.metricsAt(301), "step 301 was not evaluated");
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
    void anUndefinedScoreNeverWins() {
        BestTracker t = new BestTracker();
        record(t, 1, 0.5, 0.5);
        // an undefined correlation (NaN) makes the mean NaN: not better than 0.5, whatever the other task did
        assertEquals(new BestTracker.Update(false, List.of("mnli")), record(t, 2, Double.NaN, 0.9));
        assertEquals(1, t.bestStep());
        assertEquals(Map.of("sst2", 0.5, "mnli", 0.9), t.bestTaskScores());
        assertEquals(1, t.evalsWithoutGain());
    }

    @Test
    void anUndefinedFirstScoreIsBestOnlyUntilADefinedOne() {
        BestTracker t = new BestTracker();
        // the first evaluation is the best so far, so the run has a best checkpoint even if it stays NaN
        assertEquals(new BestTracker.Update(true, List.of("sst2", "mnli")), record(t, 1, Double.NaN, 0.5));
        // NaN again is no gain (it used to count as one, resetting patience)
        assertEquals(new BestTracker.Update(false, List.of()), record(t, 2, Double.NaN, 0.4));
        assertTrue(t.patienceExhausted(1));
        // any defined score beats NaN, for the mean and for the task (sst2 used to keep its NaN forever)
        assertEquals(new BestTracker.Update(true, List.of("sst2")), record(t, 3, 0.1, 0.3));
        assertEquals(3, t.bestStep());
        assertEquals(Map.of("sst2", 0.1, "mnli", 0.5), t.bestTaskScores());
        assertEquals(Map.of("sst2", 3L, "mnli", 1L), t.bestTaskSteps());
    }

    @Test
    void undefinedScoresSurviveTheSavedState() throws Exception {
        BestTracker a = new BestTracker();
        record(a, 1, Double.NaN, 0.5);
        TrainerState saved = new TrainerState(1, 0L, 1, Map.of(), Map.of(), a.bestScore(), a.bestStep(),
                a.bestTaskScores(), a.evalsWithoutGain(), 0, 0, a.metricsAt(1), a.bestMetrics(), a.bestTaskSteps(), Map.of(), false);
        String json = Checkpoints.JSON.writeValueAsString(saved);
        // valid JSON (a bare NaN is not): Jackson writes NaN as the string "NaN" and reads it back as NaN
        assertTrue(json.contains("\"sst2\" : \"NaN\""), json);
        TrainerState back = Checkpoints.JSON.readValue(json, TrainerState.class);
        assertTrue(Double.isNaN(back.bestScore()));
        assertTrue(Double.isNaN(back.bestMetrics().get("sst2").get("accuracy")));
        BestTracker b = new BestTracker();
        b.restore(back, back.bestMetrics());
        assertEquals(record(a, 2, 0.2, 0.4), record(b, 2, 0.2, 0.4));
        assertEquals(2, b.bestStep());
    }

    @Test
    void restoreContinuesWhereTheSavedStateLeftOff() {
        BestTracker a = new BestTracker();
        record(a, 1, 0.7, 0.6);
        record(a, 2, 0.6, 0.6);
        TrainerState saved = new TrainerState(2, 0L, 2, Map.of(), Map.of(), a.bestScore(), a.bestStep(),
                a.bestTaskScores(), a.evalsWithoutGain(), 0, 0, a.metricsAt(2), a.bestMetrics(), a.bestTaskSteps(), Map.of(), false);
        BestTracker b = new BestTracker();
        b.restore(saved, a.bestMetrics());
        assertEquals(record(a, 3, 0.71, 0.6), record(b, 3, 0.71, 0.6));
        assertEquals(a.bestStep(), b.bestStep());
        assertEquals(a.bestMetrics(), b.bestMetrics());
        assertEquals(a.bestTaskSteps(), b.bestTaskSteps());
        assertEquals(a.evalsWithoutGain(), b.evalsWithoutGain());
    }
}
