package io.mtl4j.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** The options of a training recipe, shared by {@code train} and {@code compare}; null means "not given". */
public final class TrainOptions {
    @Option(names = "--model", paramLabel = "DIR|HUB_ID", description = "Pretrained encoder: HF directory or hub id.")
    String model;
    @Option(names = "--revision", description = "Hub revision for hub ids (default main).")
    String revision;
    @Option(names = "--data", paramLabel = "DIR|hub", description = "GLUE data directory (HF JSONL/Parquet, GLUE TSV, CSV) or 'hub'"
            + " (not needed when every task comes from --task-file: those name their own files).")
    String data;
    @Option(names = "--data-revision", paramLabel = "REV", description = "With --data hub: the revision of nyu-mll/glue "
            + "(branch, tag or commit) to read (default main).")
    String dataRevision;
    @Option(names = "--tasks", paramLabel = "T1,T2", description = "Tasks to train, e.g. sst2,mnli,qqp.")
    String tasks;
    @Option(names = "--task-file", paramLabel = "FILE", description = "YAML/JSON file declaring your own tasks.")
    String taskFile;
    @Option(names = "--steps", description = "Optimizer updates (default 1000).")
    Long steps;
    @Option(names = "--batch-size", description = "Micro-batch size (default 32). Effective batch = batch size x grad-accum x world size.")
    Integer batchSize;
    @Option(names = "--grad-accum", description = "Micro-batches per optimizer update (default 1).")
    Integer gradAccum;
    @Option(names = "--lr", description = "Peak encoder learning rate (default 5e-5).")
    Double lr;
    @Option(names = "--head-lr", description = "Peak learning rate of the heads (default: --lr).")
    Double headLr;
    @Option(names = "--loss-weight-lr", description = "Peak learning rate of the uncertainty weights log σ² "
            + "(default 1e-2). Adam moves a parameter by about its LR per step: at a fine-tuning LR like 5e-5 "
            + "they would stay near 0 for the whole run; at 1e-2 they follow their optimum, log 2L (log L for regression).")
    Double lossWeightLr;
    @Option(names = "--layer-lr-decay", description = "Layer-wise LR decay: encoder layer l (1..L) gets lr x decay^(L+1-l), the embeddings lr x decay^(L+1) (default 1 = off).")
    Double layerLrDecay;
    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay, not on biases/LayerNorm (default 0.01).")
    Double weightDecay;
    @Option(names = "--warmup-ratio", description = "Fraction of steps of linear warmup (default 0.1).")
    Double warmupRatio;
    @Option(names = "--schedule", description = "linear | cosine | constant decay after warmup (default linear).")
    String schedule;
    @Option(names = "--max-grad-norm", description = "Global gradient-norm clipping, 0 = off (default 1.0).")
    Double maxGradNorm;
    @Option(names = "--adam-beta1", description = "AdamW decay rate of the gradient's running mean (default 0.9).")
    Double adamBeta1;
    @Option(names = "--adam-beta2", description = "AdamW decay rate of the squared gradient's running mean (default 0.999).")
    Double adamBeta2;
    @Option(names = "--adam-eps", description = "AdamW epsilon, added to the root of the second moment (default 1e-8).")
    Double adamEps;
    @Option(names = "--sampler", description = "proportional | temperature | uniform | round-robin | annealed (default temperature).")
    String sampler;
    @Option(names = "--temperature", description = "Temperature T for p ~ n^(1/T) (default 2).")
    Double temperature;
    @Option(names = "--sampler-cap", description = "Cap on task sizes for proportional sampling (default 0 = none).")
    Long samplerCap;
    @Option(names = "--max-length", description = "Max tokens per example, longest-first truncation (default 128).")
    Integer maxLength;
    @Option(names = "--padding", description = "bucketed | dynamic | fixed (fixed pads to --max-length; default bucketed).")
    String padding;
    @Option(names = "--max-tokens", description = "Token budget per batch (rows x padded length; default 0 = none).")
    Integer maxTokens;
    @Option(names = "--head-input", description = "pooler (exports exactly to HF) | cls (raw [CLS] state) | mean (mean of the token states, as sentence-transformers pools) (default pooler).")
    String headInput;
    @Option(names = "--freeze-layers", description = "Freeze the embeddings and the first K encoder layers (default 0).")
    Integer freezeLayers;
    @Option(names = "--freeze-embeddings", arity = "0..1", description = "Freeze the embeddings only (default false).")
    Boolean freezeEmbeddings;
    @Option(names = "--loss-weighting", description = "equal | fixed (--task-weights) | uncertainty (Kendall et al. 2018) (default equal).")
    String lossWeighting;
    @Option(names = "--task-weights", paramLabel = "T=W,...", description = "Fixed loss weights, e.g. mnli=1,sst2=0.5 (with --loss-weighting fixed; default none).")
    String taskWeights;
    @Option(names = "--mtl", description = "plain | pcgrad (gradient surgery on the shared encoder) (default plain).")
    String mtl;
    @Option(names = "--pcgrad-reduction", description = "How PCGrad combines the projected task gradients: sum (paper) | mean (default sum).")
    String pcgradReduction;
    @Option(names = "--eval-every", description = "Evaluate and checkpoint every N steps and at the last step; 0 = no evaluation, only save at the end (default 500).")
    Long evalEvery;
    @Option(names = "--eval-batch-size", description = "Batch size for evaluation (default 64).")
    Integer evalBatchSize;
    @Option(names = "--max-eval-examples", description = "Evaluate on the first N dev examples of each split, not a sample (default 0 = all).")
    Long maxEvalExamples;
    @Option(names = "--patience", description = "Early stopping after N evaluations without gain (default 0 = off).")
    Integer patience;
    @Option(names = "--log-every", description = "Every N steps, write the running losses to the debug log, seen with --verbose; the progress bar shows them all along (default 50).")
    Long logEvery;
    @Option(names = "--keep-last", description = "Keep the newest K step-N checkpoints (default 2).")
    Integer keepLast;
    @Option(names = "--save-every", description = "Also checkpoint every N steps between evaluations (default 0 = off).")
    Long saveEvery;
    @Option(names = "--seed", description = "Seed of sampling, batching, dropout and head init (default 42).")
    Long seed;
    @Option(names = "--device", description = "auto | cpu | cuda | cuda:<i> (default auto).")
    String device;
    @Option(names = "--threads", description = "LibTorch CPU threads (default 0 = LibTorch's own default, not necessarily one"
            + " per core: 'mtl4j --version' prints how many that is here).")
    Integer threads;
    @Option(names = "--precision", description = "auto | fp32 | bf16. auto: bf16 autocast on GPUs with native bfloat16 (compute capability 8.0+),"
            + " else fp32; bf16 autocasts on any device (default auto).")
    String precision;
    @Option(names = "--on-bad-row", description = "error | skip bad data rows (skipped rows are counted and reported; default error).")
    String onBadRow;
    @Option(names = "--on-nonfinite", description = "error | skip steps with NaN/inf loss or gradients (default error: save the last good state and stop).")
    String onNonfinite;
    @Option(names = "--max-bad-steps", description = "With --on-nonfinite skip: stop after K bad steps in a row, or K of one task's steps in a row (default 10).")
    Integer maxBadSteps;
    @Option(names = "--dropout", arity = "0..1", description = "Dropout on or off during training (--dropout false turns it off; default true)."
                    + " The rates are the model config.json's hidden_dropout_prob and attention_probs_dropout_prob.")
    Boolean dropout;
    @Option(names = "--memory-warmup", arity = "0..1", description = "Before step 1, run one forward and backward of "
            + "every padded length the data can produce, so memory is at its peak from the start and stays flat "
            + "(default true; costs one pass per distinct length, minutes on a CPU for long-sequence tasks).")
    Boolean memoryWarmup;
    @Option(names = "--cache-dir", description = "Token cache directory (default $MTL4J_CACHE or ~/.cache/mtl4j/tokens).")
    String cacheDir;

    public Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        o.put("revision", revision);
        o.put("data", data);
        o.put("data-revision", dataRevision);
        o.put("tasks", tasks);
        o.put("task-file", taskFile);
        o.put("steps", steps);
        o.put("batch-size", batchSize);
        o.put("grad-accum", gradAccum);
        o.put("lr", lr);
        o.put("head-lr", headLr);
        o.put("loss-weight-lr", lossWeightLr);
        o.put("layer-lr-decay", layerLrDecay);
        o.put("weight-decay", weightDecay);
        o.put("warmup-ratio", warmupRatio);
        o.put("schedule", schedule);
        o.put("max-grad-norm", maxGradNorm);
        o.put("adam-beta1", adamBeta1);
        o.put("adam-beta2", adamBeta2);
        o.put("adam-eps", adamEps);
        o.put("sampler", sampler);
        o.put("temperature", temperature);
        o.put("sampler-cap", samplerCap);
        o.put("max-length", maxLength);
        o.put("padding", padding);
        o.put("max-tokens", maxTokens);
        o.put("head-input", headInput);
        o.put("freeze-layers", freezeLayers);
        o.put("freeze-embeddings", freezeEmbeddings);
        o.put("loss-weighting", lossWeighting);
        o.put("task-weights", taskWeights);
        o.put("mtl", mtl);
        o.put("pcgrad-reduction", pcgradReduction);
        o.put("eval-every", evalEvery);
        o.put("eval-batch-size", evalBatchSize);
        o.put("max-eval-examples", maxEvalExamples);
        o.put("patience", patience);
        o.put("log-every", logEvery);
        o.put("keep-last", keepLast);
        o.put("save-every", saveEvery);
        o.put("seed", seed);
        o.put("device", device);
        o.put("threads", threads);
        o.put("precision", precision);
        o.put("on-bad-row", onBadRow);
        o.put("on-nonfinite", onNonfinite);
        o.put("max-bad-steps", maxBadSteps);
        o.put("dropout", dropout);
        o.put("memory-warmup", memoryWarmup);
        o.put("cache-dir", cacheDir);
        return o;
    }

}
