package io.mtl4j.eval;

import io.mtl4j.data.TokenizedExample;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.testing.TinyModels;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EvaluatorTest {
    @TempDir
    Path dir;

    @Test
    void progressCountsEveryExampleOnceAndPredictionsKeepInputOrder() throws Exception {
        MultiTaskModel model = MultiTaskModel.create(TinyModels.write(dir, 5), Map.of(),
                List.of(new HeadSpec("sst2", 2, false, List.of("negative", "positive"))), HeadInput.POOLER,
                MultiTaskModel.Freezing.NONE, false, 1, new Device(torch.DeviceType.CPU));
        Random r = new Random(3);
        List<TokenizedExample> examples = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            int n = 3 + r.nextInt(12); // varied lengths: the batches are sorted by length, not in input order
            int[] ids = new int[n];
            ids[0] = 2;
            for (int k = 1; k < n - 1; k++) {
                ids[k] = 5 + r.nextInt(30);
            }
            ids[n - 1] = 3;
            examples.add(new TokenizedExample(ids, new int[n], i % 2, 0f));
        }
        long[] reported = new long[2];
        Evaluator.Predictions batched = Evaluator.predict(model, "sst2", examples, 8, new Device(torch.DeviceType.CPU), n -> {
            reported[0] += n;
            reported[1]++;
        });
        assertEquals(37, reported[0]);
        assertEquals(5, reported[1], "one report per batch of at most 8");
        for (int i = 0; i < examples.size(); i++) {
            float[] alone = Evaluator.predict(model, "sst2", List.of(examples.get(i)), 8, new Device(torch.DeviceType.CPU)).outputs()[0];
            assertArrayEquals(alone, batched.outputs()[i], 1e-5f, "example " + i);
        }
    }

    @Test
    void anExplicitPlanRunsInItsOrderAndPlacesOutputsByExampleIndex() throws Exception {
        MultiTaskModel model = MultiTaskModel.create(TinyModels.write(dir, 5), Map.of(),
                List.of(new HeadSpec("sst2", 2, false, List.of("negative", "positive"))), HeadInput.POOLER,
                MultiTaskModel.Freezing.NONE, false, 1, new Device(torch.DeviceType.CPU));
        List<TokenizedExample> examples = new ArrayList<>();
        for (int n : new int[]{4, 6, 5, 3}) {
            int[] ids = new int[n];
            ids[0] = 2;
            for (int k = 1; k < n - 1; k++) {
                ids[k] = 5 + k;
            }
            ids[n - 1] = 3;
            examples.add(new TokenizedExample(ids, new int[n], 0, 0f));
        }
        Device cpu = new Device(torch.DeviceType.CPU);
        List<Long> sizes = new ArrayList<>();
        Evaluator.Predictions planned = Evaluator.predict(model, "sst2", examples,
                List.of(new int[]{3}, new int[]{2, 0}, new int[]{1}), cpu, n -> sizes.add(n));
        assertEquals(List.of(1L, 2L, 1L), sizes, "batches in the plan's order");
        Evaluator.Predictions usual = Evaluator.predict(model, "sst2", examples, 1, cpu);
        for (int i = 0; i < examples.size(); i++) {
            assertArrayEquals(usual.outputs()[i], planned.outputs()[i], 1e-5f, "example " + i);
        }
    }
}
