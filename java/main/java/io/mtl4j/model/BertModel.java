package io.mtl4j.model;

import io.mtl4j.runtime.NativeRuntime;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BERT encoder of Hugging Face's {@code BertModel}, written functionally over LibTorch ops:
 * embeddings, {@code num_hidden_layers} post-LayerNorm encoder layers, and an optional tanh
 * pooler. Parameters are plain leaf tensors keyed by Hugging Face's names (without the
 * {@code bert.} prefix), so a state dict maps one to one in both directions.
 *
 * <p>Dropout is applied only when {@code training} is passed as true. The attention mask is
 * 1 for real tokens and 0 for padding; padded keys get no attention weight.
 */
public final class BertModel {
    private final BertConfig config;
    private final Map<String, Tensor> parameters;
    private final boolean hasPooler;
    private final boolean sparseWordGradient;

    /** Forward outputs: the last hidden states [B, L, H] and the pooler output [B, H] or null. */
    public record Output(Tensor lastHiddenState, Tensor pooled) {
    }

    /** A parameter's Hugging Face name and shape. */
    public record ParameterSpec(String name, long[] shape) {
    }

    BertModel(BertConfig config, Map<String, Tensor> parameters, boolean hasPooler) {
        this(config, parameters, hasPooler, false);
    }

    /**
     * @param sparseWordGradient backward gives the word embeddings a sparse gradient (the rows of the
     *                           batch's tokens). Only for a weight whose {@code .grad} is already a dense
     *                           tensor, as in a {@link ParameterBuffer}: autograd then adds the rows into
     *                           it in place and the gradient stays dense. Otherwise {@code .grad} would
     *                           become a sparse tensor.
     */
    BertModel(BertConfig config, Map<String, Tensor> parameters, boolean hasPooler, boolean sparseWordGradient) {
        this.config = config;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.hasPooler = hasPooler;
        this.sparseWordGradient = sparseWordGradient;
    }

    public BertConfig config() {
        return config;
    }

    public boolean hasPooler() {
        return hasPooler;
    }

    /** Parameters in Hugging Face order, by their Hugging Face names. */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    public Tensor parameter(String name) {
        Tensor t = parameters.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return t;
    }

    /** This model with every parameter moved to {@code device} (the same model when already there). */
    public BertModel to(org.bytedeco.pytorch.Device device) {
        Map<String, Tensor> moved = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor t = e.getValue();
            if (io.mtl4j.runtime.Tensors.sameDevice(t.device(), device)) {
                moved.put(e.getKey(), t);
            } else {
                Tensor copy = t.detach().to(device, torch.ScalarType.Float);
                copy.set_requires_grad(t.requires_grad());
                moved.put(e.getKey(), copy);
            }
        }
        return new BertModel(config, moved, hasPooler);
    }

    /** Every parameter a BertModel with this config has, in Hugging Face's order. */
    public static List<ParameterSpec> parameterSpecs(BertConfig c, boolean withPooler) {
        long h = c.hiddenSize();
        long ff = c.intermediateSize();
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(new ParameterSpec("embeddings.word_embeddings.weight", new long[]{c.vocabSize(), h}));
        specs.add(new ParameterSpec("embeddings.position_embeddings.weight", new long[]{c.maxPositionEmbeddings(), h}));
        specs.add(new ParameterSpec("embeddings.token_type_embeddings.weight", new long[]{c.typeVocabSize(), h}));
        specs.add(new ParameterSpec("embeddings.LayerNorm.weight", new long[]{h}));
        specs.add(new ParameterSpec("embeddings.LayerNorm.bias", new long[]{h}));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String proj : new String[]{"query", "key", "value"}) {
                specs.add(new ParameterSpec(p + "attention.self." + proj + ".weight", new long[]{h, h}));
                specs.add(new ParameterSpec(p + "attention.self." + proj + ".bias", new long[]{h}));
            }
            specs.add(new ParameterSpec(p + "attention.output.dense.weight", new long[]{h, h}));
            specs.add(new ParameterSpec(p + "attention.output.dense.bias", new long[]{h}));
            specs.add(new ParameterSpec(p + "attention.output.LayerNorm.weight", new long[]{h}));
            specs.add(new ParameterSpec(p + "attention.output.LayerNorm.bias", new long[]{h}));
            specs.add(new ParameterSpec(p + "intermediate.dense.weight", new long[]{ff, h}));
            specs.add(new ParameterSpec(p + "intermediate.dense.bias", new long[]{ff}));
            specs.add(new ParameterSpec(p + "output.dense.weight", new long[]{h, ff}));
            specs.add(new ParameterSpec(p + "output.dense.bias", new long[]{h}));
            specs.add(new ParameterSpec(p + "output.LayerNorm.weight", new long[]{h}));
            specs.add(new ParameterSpec(p + "output.LayerNorm.bias", new long[]{h}));
        }
        if (withPooler) {
            specs.add(new ParameterSpec("pooler.dense.weight", new long[]{h, h}));
            specs.add(new ParameterSpec("pooler.dense.bias", new long[]{h}));
        }
        return specs;
    }

    /**
     * A freshly initialised model, as Hugging Face initialises BERT: weights of Linear and
     * Embedding layers from N(0, initializer_range), biases zero, LayerNorm weight one and bias
     * zero, the padding row of the word embeddings zero.
     */
    public static BertModel randomInit(BertConfig config, boolean withPooler, long seed) {
        NativeRuntime.ensureLoaded();
        torch.manual_seed(seed);
        Map<String, Tensor> params = new LinkedHashMap<>();
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (ParameterSpec spec : parameterSpecs(config, withPooler)) {
                Tensor t;
                if (spec.name().endsWith("LayerNorm.weight")) {
                    t = torch.ones(spec.shape());
                } else if (spec.name().endsWith(".bias")) {
                    t = torch.zeros(spec.shape());
                } else {
                    t = torch.randn(spec.shape()).mul(new Scalar(config.initializerRange()));
                    if (spec.name().equals("embeddings.word_embeddings.weight")) {
                        t.select(0, config.padTokenId()).zero_();
                    }
                }
                params.put(spec.name(), t);
            }
        }
        params.values().forEach(t -> t.set_requires_grad(true));
        return new BertModel(config, params, withPooler);
    }

    /**
     * Runs the encoder.
     *
     * @param inputIds      [B, L] int64 token ids
     * @param tokenTypeIds  [B, L] int64 segment ids
     * @param attentionMask [B, L] int64, 1 for real tokens and 0 for padding
     */
    public Output forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask, boolean training) {
        long batch = inputIds.size(0);
        long length = inputIds.size(1);
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        Tensor positions = torch.arange(new Scalar(length), new org.bytedeco.pytorch.TensorOptions(
                torch.ScalarType.Long).device(new org.bytedeco.pytorch.DeviceOptional(inputIds.device())));
        // The dense embedding backward builds a zeroed 30522 x 384 matrix every step (~150 ms on 2
        // cores); the sparse one only the batch's rows (~1 ms), added in place into the dense .grad.
        Tensor hidden = torch.embedding(parameter("embeddings.word_embeddings.weight"), inputIds, -1, false,
                        training && sparseWordGradient)
                .add(torch.embedding(parameter("embeddings.position_embeddings.weight"), positions).unsqueeze(0))
                .add(torch.embedding(parameter("embeddings.token_type_embeddings.weight"), tokenTypeIds));
        hidden = layerNorm(hidden, "embeddings.LayerNorm");
        hidden = torch.dropout(hidden, config.hiddenDropoutProb(), training);

        // [B, 1, 1, L] boolean: true where a key may be attended to.
        Tensor keyMask = attentionMask.to(torch.ScalarType.Bool).view(batch, 1, 1, length);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            hidden = encoderLayer("encoder.layer." + i + ".", hidden, keyMask, batch, length, training);
        }
        Tensor pooled = null;
        if (hasPooler) {
            pooled = torch.tanh(linear(hidden.select(1, 0), "pooler.dense"));
        }
        return new Output(hidden, pooled);
    }

    private Tensor encoderLayer(String p, Tensor hidden, Tensor keyMask, long batch, long length, boolean training) {
        long heads = config.numAttentionHeads();
        long headDim = config.headDim();
        Tensor q = splitHeads(linear(hidden, p + "attention.self.query"), batch, length, heads, headDim);
        Tensor k = splitHeads(linear(hidden, p + "attention.self.key"), batch, length, heads, headDim);
        Tensor v = splitHeads(linear(hidden, p + "attention.self.value"), batch, length, heads, headDim);
        double attentionDropout = training ? config.attentionProbsDropoutProb() : 0.0;
        Tensor context = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(keyMask),
                attentionDropout, false, new DoubleOptional(), false);
        context = context.transpose(1, 2).reshape(batch, length, heads * headDim);

        Tensor attention = torch.dropout(linear(context, p + "attention.output.dense"),
                config.hiddenDropoutProb(), training);
        attention = layerNorm(attention.add(hidden), p + "attention.output.LayerNorm");

        Tensor intermediate = activation(linear(attention, p + "intermediate.dense"));
        Tensor output = torch.dropout(linear(intermediate, p + "output.dense"), config.hiddenDropoutProb(), training);
        return layerNorm(output.add(attention), p + "output.LayerNorm");
    }

    private static Tensor splitHeads(Tensor x, long batch, long length, long heads, long headDim) {
        return x.view(batch, length, heads, headDim).transpose(1, 2);
    }

    private Tensor linear(Tensor x, String module) {
        return torch.linear(x, parameter(module + ".weight"), new TensorOptional(parameter(module + ".bias")));
    }

    private Tensor layerNorm(Tensor x, String module) {
        return torch.layer_norm(x, new long[]{config.hiddenSize()},
                new TensorOptional(parameter(module + ".weight")), new TensorOptional(parameter(module + ".bias")),
                config.layerNormEps(), false);
    }

    private Tensor activation(Tensor x) {
        return switch (config.hiddenAct()) {
            case GELU -> torch.gelu(x, "none");
            case GELU_NEW, GELU_PYTORCH_TANH -> torch.gelu(x, "tanh");
            case RELU -> torch.relu(x);
        };
    }

    /** Mean of the last hidden states over real (unpadded) tokens: [B, H]. */
    public static Tensor meanPool(Tensor lastHiddenState, Tensor attentionMask) {
        Tensor mask = attentionMask.to(lastHiddenState.scalar_type()).unsqueeze(2);
        Tensor summed = lastHiddenState.mul(mask).sum(new long[]{1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
        return summed.div(mask.sum(new long[]{1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
    }
}
