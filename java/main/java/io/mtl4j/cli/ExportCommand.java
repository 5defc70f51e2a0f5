package io.mtl4j.cli;

import io.mtl4j.eval.Exporter;
import io.mtl4j.eval.LoadedCheckpoint;
import io.mtl4j.runtime.Devices;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code mtl4j export}. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {
                "Exports one task of a checkpoint as a Hugging Face BertForSequenceClassification.",
                "The directory holds config.json with id2label/label2id, model.safetensors with bert.* and",
                "classifier.*, tokenizer.json, tokenizer_config.json (so that Python tokenizes exactly as",
                "tokenizer.json does), and README.md, a model card for the hub: labels, the dev scores measured at",
                "the exported step (from the run's metrics.jsonl beside the checkpoint), training settings, provenance.",
                "Load it in Python with AutoModelForSequenceClassification.from_pretrained(DIR).",
                "A checkpoint's own tasks (train --task-file) take their labels from the task file it was trained",
                "with; when that file has moved or changed, --task-file FILE points at a declaration of the task",
                "with the labels the head was trained with, in order.",
                "",
                "Example:",
                "  mtl4j export --checkpoint runs/mtl/best --task sst2 --output exported/sst2",
                "  mtl4j export --checkpoint runs/mtl/best --task reviews --task-file ~/moved/tasks.yaml \\",
                "      --output exported/reviews"})
public final class ExportCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(ExportCommand.class);
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "An mtl4j checkpoint.")
    Path checkpoint;
    @Option(names = "--task", required = true, description = "The task head to export.")
    String task;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "New directory to write.")
    Path output;
    @Option(names = "--task-file", paramLabel = "FILE", description = "YAML/JSON file declaring the checkpoint's own tasks"
            + " (as for train), e.g. where a moved project's file is now: its declaration of the task must give the labels the"
            + " head was trained with, in order. Default: the file the checkpoint was trained with, if it is still there.")
    Path taskFile;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new UserError("--output " + output + " is a file, not a directory; nothing was overwritten");
        }
        io.mtl4j.util.Files2.requireCreatableDirectory(output);
        LoadedCheckpoint ckpt = LoadedCheckpoint.load(checkpoint, Devices.resolve("cpu"), taskFile, List.of(task));
        Exporter.export(ckpt, task.toLowerCase(Locale.ROOT), output);
        LOG.info("wrote {}: task {} as a Hugging Face BertForSequenceClassification", output, task.toLowerCase(Locale.ROOT));
        return 0;
    }
}
