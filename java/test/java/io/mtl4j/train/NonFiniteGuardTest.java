package io.mtl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NonFiniteGuardTest {
    @Test
    void perTaskBadStepsAreSavedInTaskOrderNotInAnOrderThatChangesFromJvmToJvm() {
        // Map.copyOf iterated in an order salted per JVM, so trainer_state.json differed between identical runs.
        Map<String, Integer> bad = new LinkedHashMap<>();
        List<String> tasks = List.of("cola", "mnli", "mrpc", "qnli", "qqp", "rte", "sst2", "stsb", "wnli");
        for (int i = tasks.size() - 1; i >= 0; i--) {
            bad.put(tasks.get(i), i);
        }
        NonFiniteGuard guard = new NonFiniteGuard(null, "skip", 10, Path.of("last"));
        guard.restore(0, 0, bad);
        assertEquals(tasks, new ArrayList<>(guard.badStepsOfTask().keySet()));
    }
}
