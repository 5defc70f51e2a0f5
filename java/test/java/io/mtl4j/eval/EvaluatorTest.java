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
}
