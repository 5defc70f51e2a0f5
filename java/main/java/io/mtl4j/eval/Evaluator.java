package io.mtl4j.eval;

import io.mtl4j.data.Batch;
import io.mtl4j.data.Batcher;
import io.mtl4j.data.BatchingConfig;
import io.mtl4j.data.TokenizedExample;
import io.mtl4j.data.TokenizedSplits;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.InputBatch;
import io.mtl4j.model.TokenIds;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.tasks.TaskSpec;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/** Runs a task head over examples without gradients and scores the predictions. */
public final class Evaluator {
    private static final Logger LOG = LogManager.getLogger(Evaluator.class);

    private Evaluator() {
    }

    /** Raw outputs per example, in example order: logits (classification) or the score (regression). */
    public record Predictions(float[][] outputs) {
        public int[] argmax() {
            int[] out = new int[outputs.length];
            for (int i = 0; i < outputs.length; i++) {
                int best = 0;
                for (int k = 1; k < outputs[i].length; k++) {
                    if (outputs[i][k] > outputs[i][best]) {
                        best = k;
                    }
                }
                out[i] = best;
            }
            return out;
        }

        /** How many examples have a NaN or an infinite output. */
        public int nonFiniteCount() {
            int count = 0;
            for (int i = 0; i < outputs.length; i++) {
                if (!isFinite(i)) {
                    count++;
                }
            }
            return count;
        }

        /** The first example with a NaN or an infinite output, or -1. */
        public int firstNonFinite() {
            for (int i = 0; i < outputs.length; i++) {
                if (!isFinite(i)) {
                    return i;
                }
            }
            return -1;
        }

        /** Whether every output of example {@code i} is a finite number. */
        public boolean isFinite(int i) {
            for (float v : outputs[i]) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }

        public double[] scores() {
            double[] out = new double[outputs.length];
            for (int i = 0; i < outputs.length; i++) {
                out[i] = outputs[i][0];
            }
            return out;
        }
    }

    public static Predictions predict(MultiTaskModel model, String task, List<TokenizedExample> examples,
                                      int batchSize, Device device) {
        return predict(model, task, examples, batchSize, device, done -> { });
    }

    /** Like {@link #predict(MultiTaskModel, String, List, int, Device)}, telling {@code progress} each batch's size. */
    public static Predictions predict(MultiTaskModel model, String task, List<TokenizedExample> examples,
                                      int batchSize, Device device, LongConsumer progress) {
        return predict(model, task, examples, Batcher.longestFirst(TokenizedSplits.lengths(examples), batchSize),
                device, progress);
    }

    /** Predicts batch by batch in the order of {@code plan}, whose batches hold each example's index once. */
    public static Predictions predict(MultiTaskModel model, String task, List<TokenizedExample> examples,
                                      List<int[]> plan, Device device, LongConsumer progress) {
        HeadSpec spec = model.spec(task);
        for (int i = 0; i < examples.size(); i++) {
            int example = i + 1;
            TokenIds.requireEmbeddable(examples.get(i).inputIds(), examples.get(i).tokenTypeIds(), model.config(),
                    () -> "task " + task + ", example " + example);
        }
        int largest = plan.stream().mapToInt(b -> b.length).max().orElse(1);
        Batcher batcher = new Batcher(BatchingConfig.dynamic(largest).withShuffle(false));
        float[][] outputs = new float[examples.size()][];
        for (int[] indices : plan) {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Batch batch = batcher.assemble(examples, indices);
                Tensor logits = model.forward(task, InputBatch.of(batch, device), false);
                float[] values = Tensors.toFloatArray(logits);
                int width = spec.outputs();
                for (int r = 0; r < indices.length; r++) {
                    outputs[batch.exampleIndices()[r]] = Arrays.copyOfRange(values, r * width, (r + 1) * width);
                }
            }
            progress.accept(indices.length);
        }
        return new Predictions(outputs);
    }

    /**
     * The task's metrics on labeled examples. Every metric is NaN when any output is NaN or
     * infinite: argmax would read such a row as class 0 and score a broken model as if it had
     * guessed; NaN is never taken for the best checkpoint and reads as broken.
     */
    public static Map<String, Double> score(TaskSpec spec, List<TokenizedExample> examples, Predictions predictions) {
        Map<String, Double> scores = scoreOutputs(spec, examples, predictions);
        int nonFinite = predictions.nonFiniteCount();
        if (nonFinite > 0) {
            LOG.warn("{}: the model's outputs are NaN or infinite for {} of {} examples, so every score is NaN",
                    spec.name(), nonFinite, examples.size());
            scores.replaceAll((metric, value) -> Double.NaN);
        }
        return scores;
    }

    private static Map<String, Double> scoreOutputs(TaskSpec spec, List<TokenizedExample> examples,
                                                    Predictions predictions) {
        List<String> names = spec.metrics().stream().map(m -> m.id()).toList();
        if (spec.isRegression()) {
            double[] gold = new double[examples.size()];
            for (int i = 0; i < gold.length; i++) {
                gold[i] = examples.get(i).score();
            }
            return Metrics.regression(names, predictions.scores(), gold);
        }
        int[] gold = new int[examples.size()];
        for (int i = 0; i < gold.length; i++) {
            gold[i] = examples.get(i).label();
        }
        return Metrics.classification(names, predictions.argmax(), gold);
    }

    public static Map<String, Double> evaluate(MultiTaskModel model, TaskSpec spec, List<TokenizedExample> examples,
                                               int batchSize, Device device) {
        return evaluate(model, spec, examples, batchSize, device, done -> { });
    }

    public static Map<String, Double> evaluate(MultiTaskModel model, TaskSpec spec, List<TokenizedExample> examples,
                                               int batchSize, Device device, LongConsumer progress) {
        return score(spec, examples, predict(model, spec.name(), examples, batchSize, device, progress));
    }
}
