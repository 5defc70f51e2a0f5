package io.mtl4j.cli;

import io.mtl4j.hub.Env;
import io.mtl4j.hub.ModelSource;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** eval's and predict's {@code --checkpoint} and {@code --revision}: a checkpoint directory, or a classifier on the hub. */
final class CheckpointOptions {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR|HUB_ID", description = "An mtl4j checkpoint (e.g. RUN/best),"
            + " or a Hugging Face BertForSequenceClassification directory (an export, or a model fine-tuned with transformers)"
            + " or hub id (downloaded into the HF cache, as train's --model).")
    String checkpoint;
    @Option(names = "--revision", paramLabel = "REV", description = "With a hub id as --checkpoint: the branch, tag or commit to download. Default: main.")
    String revision;

    /** The checkpoint's directory; a hub id that is not a local path is downloaded first. */
    Path resolve() {
        return ModelSource.resolveLocalFirst(checkpoint, revision, Env.system(), new ModelArgument.DownloadBars());
    }
}
