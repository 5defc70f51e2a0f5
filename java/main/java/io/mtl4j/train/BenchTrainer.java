package io.mtl4j.train;

import io.mtl4j.config.TrainConfig;
import io.mtl4j.hub.Env;
import io.mtl4j.hub.ModelSource;
import io.mtl4j.model.CheckpointLoader;
import io.mtl4j.model.HeadInput;
import io.mtl4j.model.HeadSpec;
import io.mtl4j.model.MultiTaskModel;
import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.tasks.TaskRegistry;
import io.mtl4j.tasks.TaskSpec;
import io.mtl4j.tokenize.BertTokenizer;
import org.bytedeco.pytorch.Device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Trainer} set up as {@code mtl4j train} sets one up (same model loading, data loading,
 * task sampler, optimizer), but in a scratch directory and without provenance, for benchmarks
 * that call {@link Trainer#trainOneStep()} themselves.
 */
public final class BenchTrainer implements AutoCloseable {
    private final Trainer trainer;
    private final Map<String, TaskData> data;
    private final MetricsLog metrics;
    private final Device device;

    private BenchTrainer(Trainer trainer, Map<String, TaskData> data, MetricsLog metrics, Device device) {
        this.trainer = trainer;
        this.data = data;
        this.metrics = metrics;
        this.device = device;
    }

    /** Loads model and data as {@code mtl4j train} does. */
    public static BenchTrainer create(TrainConfig config, Path scratchDir) throws IOException {
        return create(config, scratchDir, null);
    }

    /**
     * Like {@link #create(TrainConfig, Path)}, but trains on already loaded {@code data} (e.g. of
     * another BenchTrainer) when it is not null.
     */
    public static BenchTrainer create(TrainConfig config, Path scratchDir, Map<String, TaskData> data) throws IOException {
        return create(config, scratchDir, data, io.mtl4j.dist.Collectives.single());
    }

    /** Like {@link #create(TrainConfig, Path, Map)}, as one rank of a data-parallel job. */
    public static BenchTrainer create(TrainConfig config, Path scratchDir, Map<String, TaskData> data,
                                      io.mtl4j.dist.Collectives dist) throws IOException {
        NativeRuntime.ensureLoaded();
        io.mtl4j.runtime.Threads.use(config.threads());
        Device device = dist.worldSize() > 1 ? io.mtl4j.dist.DistEnv.fromEnvironment().device(config.device())
                : Devices.resolve(config.device());
        Path modelDir = ModelSource.resolve(config.model(), config.revision(), Env.system());
        List<TaskSpec> specs = specs(config);
        CheckpointLoader.Loaded pretrained = CheckpointLoader.load(modelDir,
                Set.of(MultiTaskModel.HEADS_PREFIX, MultiTaskModel.LOSS_WEIGHTS_PREFIX));
        int maxLength = Math.min(config.maxLength(), pretrained.model().config().maxPositionEmbeddings());
        Map<String, TaskData> taskData = data != null ? data : TrainSession.loadData(config, specs, modelDir, maxLength);
        TrainSession.requireEmbeddable(taskData, pretrained.model().config());
        List<HeadSpec> heads = specs.stream().map(s -> new HeadSpec(s.name(), s.numLabels(), s.isRegression(), s.labelNames())).toList();
        MultiTaskModel model = MultiTaskModel.create(pretrained.model(), pretrained.extras(), heads,
                HeadInput.parse(config.headInput()), new MultiTaskModel.Freezing(config.freezeEmbeddings(), config.freezeLayers()),
                config.lossWeighting().equals("uncertainty"), config.seed(), device);
        long[] sizes = specs.stream().mapToLong(s -> taskData.get(s.name()).splits().get("train").size()).toArray();
        MetricsLog metrics = new MetricsLog(scratchDir.resolve(MetricsLog.FILE_NAME));
        Trainer trainer = new Trainer(config, new Trainer.RunContext(scratchDir, modelDir,
                // a benchmark given tokenized data may run a model without a tokenizer; its scratch checkpoints then have none
                BertTokenizer.hasTokenizer(modelDir) ? BertTokenizer.tokenizerJson(modelDir) : null, Map.of(), metrics), model, taskData,
                TrainSession.sampler(config, sizes), device, dist);
        return new BenchTrainer(trainer, taskData, metrics, device);
    }

    private static List<TaskSpec> specs(TrainConfig config) {
        TaskRegistry registry = config.taskFile() == null ? TaskRegistry.glue() : TaskRegistry.glue().withTasksFrom(Path.of(config.taskFile()));
        List<TaskSpec> specs = new ArrayList<>();
        for (String t : config.tasks()) {
            specs.add(registry.get(t));
        }
        return specs;
    }

    public Trainer trainer() {
        return trainer;
    }

    public Map<String, TaskData> data() {
        return data;
    }

    public Device device() {
        return device;
    }

    @Override
    public void close() throws IOException {
        trainer.close();
        metrics.close();
    }
}
