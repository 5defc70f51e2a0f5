package io.mtl4j.train;

import io.mtl4j.data.Batch;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.TokenizedExample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskStreamTest {
    private static List<TokenizedExample> examples(int... lengths) {
        List<TokenizedExample> out = new ArrayList<>();
        for (int len : lengths) {
            out.add(new TokenizedExample(new int[len], new int[len], 0, Float.NaN));
        }
        return out;
    }

    @Test
    void shapeCoveringBatchesHaveEveryPaddedLengthOnceLongestFirst() {
        TaskStream stream = new TaskStream(examples(3, 7, 5, 5, 3, 9, 5), new Batcher(BatchingConfig.bucketed(2)), 1);
        List<Integer> lengths = new ArrayList<>();
        for (Batch b : stream.shapeCoveringBatches()) {
            lengths.add(b.seqLen());
            assertEquals(2, b.batchSize(), "full batches while enough examples are left");
        }
        assertEquals(List.of(9, 7, 5, 3), lengths);
    }

    @Test
    void fixedPaddingHasOneShapeAndATokenBudgetFewerRows() {
        TaskStream fixed = new TaskStream(examples(3, 7, 5), new Batcher(BatchingConfig.fixed(2, 16)), 1);
        assertEquals(1, fixed.shapeCoveringBatches().size());
        assertEquals(16, fixed.shapeCoveringBatches().get(0).seqLen());
        TaskStream budget = new TaskStream(examples(8, 8, 8, 4, 4, 4), new Batcher(BatchingConfig.bucketed(3).withMaxTokens(16)), 1);
        List<Batch> batches = budget.shapeCoveringBatches();
        assertEquals(2, batches.get(0).batchSize(), "16 tokens hold two rows of 8");
        assertEquals(3, batches.get(1).batchSize(), "and three rows of 4 (the batch size)");
    }

    @Test
    void coveringTheShapesDoesNotMoveTheStream() {
        TaskStream a = new TaskStream(examples(3, 7, 5, 5, 3, 9, 5, 4, 6), new Batcher(BatchingConfig.bucketed(2)), 7);
        TaskStream b = new TaskStream(examples(3, 7, 5, 5, 3, 9, 5, 4, 6), new Batcher(BatchingConfig.bucketed(2)), 7);
        a.nextIndices();
        b.nextIndices();
        a.shapeCoveringBatches();
        for (int i = 0; i < 12; i++) {
            assertArrayEquals(b.nextIndices(), a.nextIndices(), "batch " + i);
        }
    }
}
