package io.mtl4j.model;

import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A shared BERT encoder with one head per task. A head is dropout plus a Linear layer on the
 * pooler output (the default, as in Hugging Face's BertForSequenceClassification) or on the raw
 * [CLS] state. In checkpoints the encoder keeps Hugging Face's names, heads live under
 * {@code heads.<task>.} and uncertainty weights under {@code loss_weights.<task>.log_var}.
 *
 * <p>Trainable encoder parameters live in one {@link ParameterBuffer} ({@link #shared()}), heads
 * and loss weights in another ({@link #heads()}); frozen parameters are plain tensors that never
 * receive gradients.
 */
public final class MultiTaskModel {
    public static final String HEADS_PREFIX = "heads.";
    public static final String LOSS_WEIGHTS_PREFIX = "loss_weights.";
    private static final Logger LOG = LogManager.getLogger(MultiTaskModel.class);

    private final BertModel encoder;
    private final ParameterBuffer shared;
    private final ParameterBuffer heads;
    private final Map<String, Tensor> frozen;
    private final Map<String, HeadSpec> specs;
    private final HeadInput headInput;
    private final double headDropout;

    private MultiTaskModel(BertModel encoder, ParameterBuffer shared, ParameterBuffer heads, Map<String, Tensor> frozen,
                           Map<String, HeadSpec> specs, HeadInput headInput, double headDropout) {
        this.encoder = encoder;
        this.shared = shared;
        this.heads = heads;
        this.frozen = frozen;
        this.specs = specs;
        this.headInput = headInput;
        this.headDropout = headDropout;
    }

    /** Which encoder parameters to keep fixed. */
    public record Freezing(boolean embeddings, int layers) {
        public static final Freezing NONE = new Freezing(false, 0);

        boolean frozen(String name) {
            if ((embeddings || layers > 0) && name.startsWith("embeddings.")) {
                return true;
            }
            for (int i = 0; i < layers; i++) {
                if (name.startsWith("encoder.layer." + i + ".")) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Builds the model from a pretrained encoder and existing head tensors ({@code heads.*},
     * {@code loss_weights.*}); missing heads are initialised as Hugging Face does (weights from
     * N(0, initializer_range), zero bias), missing loss weights at log σ² = 0.
     */
    public static MultiTaskModel create(BertModel pretrained, Map<String, Tensor> headTensors, List<HeadSpec> tasks,
                                        HeadInput headInput, Freezing freezing, boolean uncertainty, long seed,
                                        Device device) {
        BertConfig config = pretrained.config();
        if (freezing.layers() > config.numHiddenLayers()) {
            throw new UserError("--freeze-layers " + freezing.layers() + " exceeds the model's "
                    + config.numHiddenLayers() + " layers");
        }
        torch.manual_seed(seed);
        Map<String, Tensor> encoderParams = new LinkedHashMap<>(pretrained.parameters());
        boolean hasPooler = pretrained.hasPooler();
        if (headInput == HeadInput.POOLER && !hasPooler) {
            LOG.warn("the checkpoint has no pooler weights; initialising a new pooler (as Hugging Face does). "
                    + "Use --head-input cls to put the heads on [CLS] instead");
            long h = config.hiddenSize();
            encoderParams.put("pooler.dense.weight", torch.randn(h, h).mul(new Scalar(config.initializerRange())));
            encoderParams.put("pooler.dense.bias", torch.zeros(h));
            hasPooler = true;
        }
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        Map<String, Tensor> frozen = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : encoderParams.entrySet()) {
            // Without pooler heads the pooler takes no part: keep it for export, but do not train it.
            boolean unused = headInput != HeadInput.POOLER && e.getKey().startsWith("pooler.");
            if (freezing.frozen(e.getKey()) || unused) {
                Tensor t = e.getValue().detach().to(device, torch.ScalarType.Float);
                t.set_requires_grad(false);
                frozen.put(e.getKey(), t);
            } else {
                trainable.put(e.getKey(), e.getValue());
            }
        }
        ParameterBuffer shared = ParameterBuffer.pack(trainable, device);
        Map<String, Tensor> all = new LinkedHashMap<>(shared.tensors());
        all.putAll(frozen);
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : encoderParams.keySet()) {
            ordered.put(name, all.get(name));
        }
        // The trainable word embeddings' .grad is a view of the flat gradient buffer: a sparse
        // backward adds into it and leaves clipping, PCGrad, AdamW and the all-reduce dense.
        boolean sparseWordGradient = shared.tensors().containsKey("embeddings.word_embeddings.weight");
        BertModel encoder = new BertModel(config, ordered, hasPooler, sparseWordGradient);

        Map<String, Tensor> headParams = new LinkedHashMap<>();
        Map<String, HeadSpec> specs = new LinkedHashMap<>();
        for (HeadSpec spec : tasks) {
            specs.put(spec.task(), spec);
            String w = HEADS_PREFIX + spec.task() + ".weight";
            String b = HEADS_PREFIX + spec.task() + ".bias";
            headParams.put(w, existingOr(headTensors, w, new long[]{spec.outputs(), config.hiddenSize()},
                    () -> torch.randn(spec.outputs(), config.hiddenSize()).mul(new Scalar(config.initializerRange()))));
            headParams.put(b, existingOr(headTensors, b, new long[]{spec.outputs()}, () -> torch.zeros(spec.outputs())));
            if (uncertainty) {
                String s = LOSS_WEIGHTS_PREFIX + spec.task() + ".log_var";
                headParams.put(s, existingOr(headTensors, s, new long[]{1}, () -> torch.zeros(1)));
            }
        }
        ParameterBuffer heads = ParameterBuffer.pack(headParams, device);
        double headDropout = config.raw().hasNonNull("classifier_dropout")
                ? config.raw().get("classifier_dropout").asDouble() : config.hiddenDropoutProb();
        return new MultiTaskModel(encoder, shared, heads, frozen, specs, headInput, headDropout);
    }

    private static Tensor existingOr(Map<String, Tensor> existing, String name, long[] shape,
                                     java.util.function.Supplier<Tensor> init) {
        Tensor t = existing.get(name);
        if (t == null) {
            return init.get();
        }
        if (!java.util.Arrays.equals(io.mtl4j.runtime.Tensors.shape(t), shape)) {
            throw new UserError("checkpoint tensor " + name + " has shape "
                    + java.util.Arrays.toString(io.mtl4j.runtime.Tensors.shape(t)) + ", expected "
                    + java.util.Arrays.toString(shape) + " (a checkpoint from another model or task set?)");
        }
        return t.to(torch.ScalarType.Float);
    }

    public BertModel encoder() {
        return encoder;
    }

    public BertConfig config() {
        return encoder.config();
    }

    /** Trainable encoder parameters: the ones PCGrad operates on. */
    public ParameterBuffer shared() {
        return shared;
    }

    /** Task heads and loss weights. */
    public ParameterBuffer heads() {
        return heads;
    }

    public Map<String, Tensor> frozen() {
        return frozen;
    }

    public Map<String, HeadSpec> specs() {
        return specs;
    }

    public HeadInput headInput() {
        return headInput;
    }

    public HeadSpec spec(String task) {
        HeadSpec s = specs.get(task);
        if (s == null) {
            throw new UserError("the model has no head for task " + task + " (heads: " + String.join(", ", specs.keySet()) + ")");
        }
        return s;
    }

    /** Logits [B, numLabels] (or scores [B, 1] for regression) of {@code task}. */
    public Tensor forward(String task, InputBatch in, boolean training) {
        spec(task);
        BertModel.Output out = encoder.forward(in.inputIds(), in.tokenTypeIds(), in.attentionMask(), training);
        Tensor features = switch (headInput) {
            case POOLER -> out.pooled();
            case CLS -> out.lastHiddenState().select(1, 0);
            case MEAN -> BertModel.meanPool(out.lastHiddenState(), in.attentionMask());
        };
        features = torch.dropout(features, headDropout, training);
        return torch.linear(features, heads.slot(HEADS_PREFIX + task + ".weight").tensor(),
                new TensorOptional(heads.slot(HEADS_PREFIX + task + ".bias").tensor()));
    }

    /** log σ² of the task's uncertainty weight, or null without uncertainty weighting. */
    public Tensor logVar(String task) {
        String name = LOSS_WEIGHTS_PREFIX + task + ".log_var";
        return heads.contains(name) ? heads.slot(name).tensor() : null;
    }

    /** Everything a checkpoint stores: encoder (Hugging Face names), heads and loss weights. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>(encoder.parameters());
        out.putAll(heads.tensors());
        return out;
    }


    /** Depth of an encoder parameter for layer-wise LR decay: embeddings 0, layer i at i+1, pooler L+1. */
    public int depth(String name) {
        if (name.startsWith("embeddings.")) {
            return 0;
        }
        if (name.startsWith("encoder.layer.")) {
            String rest = name.substring("encoder.layer.".length());
            return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
        }
        return config().numHiddenLayers() + 1;
    }
}
