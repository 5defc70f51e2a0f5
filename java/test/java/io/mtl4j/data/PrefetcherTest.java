package io.mtl4j.data;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prefetcher with real batches from {@link Batcher} plans: a slow and a fast consumer each get
 * every example exactly once per epoch, in the order a single thread would have produced them.
 */
class PrefetcherTest {
    private static final int EXAMPLES = 203;
    private static final int BATCH = 8;

    private static List<TokenizedExample> examples() {
        List<TokenizedExample> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < EXAMPLES; i++) {
            int len = 2 + r.nextInt(30);
            int[] ids = new int[len];
            ids[0] = i; // the example's identity, read back from the assembled batch
            out.add(new TokenizedExample(ids, new int[len], i % 2, 0f));
        }
        return out;
    }

    /** Endless epochs of shuffled, bucketed batches, as the trainer draws them. */
    private static final class Epochs {
        private final List<TokenizedExample> examples = examples();
        private final int[] lengths = TokenizedSplits.lengths(examples);
        private final Batcher batcher = new Batcher(BatchingConfig.bucketed(BATCH));
        private final Rng rng = new Rng(7);
        private List<int[]> plan = List.of();
        private int position;
        private int epoch = -1;

        /** One batch and the epoch it belongs to. */
        record Item(int epoch, Batch batch) {
        }

        Item next() {
            if (position == plan.size()) {
                plan = batcher.planEpoch(lengths, rng);
                position = 0;
                epoch++;
            }
            return new Item(epoch, batcher.assemble(examples, plan.get(position++)));
        }
    }

    private static List<Integer> ids(Batch b) {
        List<Integer> ids = new ArrayList<>();
        for (int r = 0; r < b.batchSize(); r++) {
            ids.add((int) b.inputIds()[r * b.seqLen()]);
        }
        return ids;
    }

    /** Consumes three epochs; checks each example arrives once per epoch and the order is the producer's. */
    private static void consume(long consumerDelayNanos) {
        List<List<Integer>> expected = new ArrayList<>();
        Epochs reference = new Epochs();
        Epochs.Item item;
        while ((item = reference.next()).epoch() < 3) {
            expected.add(ids(item.batch()));
        }
        Epochs source = new Epochs();
        List<List<Integer>> got = new ArrayList<>();
        try (Prefetcher<Epochs.Item> prefetcher = new Prefetcher<>("test-prefetch", 3, source::next)) {
            int[][] seen = new int[3][EXAMPLES];
            for (int i = 0; i < expected.size(); i++) {
                Epochs.Item it = prefetcher.next();
                got.add(ids(it.batch()));
                for (int id : ids(it.batch())) {
                    seen[it.epoch()][id]++;
                }
                if (consumerDelayNanos > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(consumerDelayNanos);
                }
            }
            for (int e = 0; e < 3; e++) {
                for (int id = 0; id < EXAMPLES; id++) {
                    assertEquals(1, seen[e][id], "example " + id + " in epoch " + e);
                }
            }
        }
        assertEquals(expected, got, "the consumer must see the producer's sequence");
    }

    @Test
    void aFastConsumerGetsEveryExampleOncePerEpoch() {
        consume(0);
    }

    @Test
    void aSlowConsumerGetsEveryExampleOncePerEpoch() {
        consume(2_000_000); // 2 ms per batch: the producer fills the queue and waits
    }

    @Test
    void theProducerNeverRunsMoreThanDepthAhead() throws Exception {
        AtomicInteger produced = new AtomicInteger();
        try (Prefetcher<Integer> p = new Prefetcher<>("test-depth", 2, produced::incrementAndGet)) {
            Thread.sleep(200);
            // depth items queued, plus at most one made and waiting to be put
            assertTrue(produced.get() <= 3, "produced " + produced.get());
            assertEquals(1, p.next());
            assertEquals(2, p.next());
        }
    }

    @Test
    void aProducerFailureReachesTheConsumerAsIs() {
        UserError boom = new UserError("bad row 12");
        AtomicInteger n = new AtomicInteger();
        try (Prefetcher<Integer> p = new Prefetcher<>("test-fail", 2, () -> {
            if (n.incrementAndGet() == 3) {
                throw boom;
            }
            return n.get();
        })) {
            assertEquals(1, p.next());
            assertEquals(2, p.next());
            assertSame(boom, assertThrows(UserError.class, p::next));
            assertSame(boom, assertThrows(UserError.class, p::next), "the failure stays");
        }
    }

    @Test
    void closeStopsTheThread() {
        Prefetcher<Integer> p = new Prefetcher<>("test-close", 1, () -> 1);
        p.close();
        assertFalse(p.running());
        assertThrows(IllegalStateException.class, p::next);
    }
}
