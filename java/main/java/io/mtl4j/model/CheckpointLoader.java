package io.mtl4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.data.CacheDirs;
import io.mtl4j.hub.Env;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.model.torchbin.ConvertedWeights;
import io.mtl4j.runtime.FiniteCheck;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads a Hugging Face BERT checkpoint ({@code config.json} plus {@code model.safetensors} or a
 * sharded {@code model.safetensors.index.json}; failing those, {@code pytorch_model.bin} or its
 * sharded index, read by a restricted unpickler and converted once, see {@link ConvertedWeights})
 * into a {@link BertModel}.
 *
 * <p>Names are accepted with or without the {@code bert.} prefix; legacy
 * {@code LayerNorm.gamma/beta} become {@code weight/bias}. Pretraining heads
 * ({@code cls.*}), a sequence-classification head ({@code classifier.*}), any other task head
 * beside an encoder under {@code bert.} (e.g. {@code qa_outputs.*}) and buffers
 * ({@code *position_ids}, {@code *token_type_ids}) are ignored and reported. A missing pooler is
 * allowed and reported. Any other missing, unexpected or wrongly shaped tensor is an error naming
 * it. fp32, fp16 and bf16 weights load as fp32.
 */
public final class CheckpointLoader {
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    private static final String BERT_PREFIX = "bert.";
    private static final Logger LOG = LogManager.getLogger(CheckpointLoader.class);

    private CheckpointLoader() {
    }

    /** What loading found beyond the encoder's own parameters. */
    public record Report(List<String> ignored, List<String> renamed, boolean poolerMissing) {
    }

    /** The encoder, any tensors under the requested extra prefixes (e.g. task heads), and the report. */
    public record Loaded(BertModel model, Map<String, Tensor> extras, Report report, Map<String, String> metadata) {
    }

    public static Loaded load(Path modelDir) {
        return load(modelDir, Set.of());
    }

    public static Loaded load(Path modelDir, Set<String> extraPrefixes) {
        return load(modelDir, extraPrefixes, CacheDirs.convertedWeights(Env.system()));
    }

    /** As {@link #load(Path, Set)}, converting any {@code pytorch_model.bin} into {@code convertedCache}. */
    public static Loaded load(Path modelDir, Set<String> extraPrefixes, Path convertedCache) {
        if (!Files.isDirectory(modelDir)) {
            throw new UserError(modelDir + ": model directory does not exist");
        }
        NativeRuntime.ensureLoaded();
        BertConfig config = BertConfig.load(modelDir);
        List<Path> files = weightFiles(modelDir, convertedCache);

        Map<String, long[]> expected = new LinkedHashMap<>();
        for (BertModel.ParameterSpec spec : BertModel.parameterSpecs(config, true)) {
            expected.put(spec.name(), spec.shape());
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Tensor> extras = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        List<String> renamed = new ArrayList<>();
        Map<String, String> sourceOf = new TreeMap<>();
        Map<String, Path> fileOf = new LinkedHashMap<>();
        // Names outside the encoder's: a task head when the encoder is under bert. (a BertForX
        // checkpoint, whose head transformers' BertModel ignores too), else a mistake.
        Map<String, Path> beside = new LinkedHashMap<>();
        boolean prefixed = false;

        for (Path file : files) {
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                metadata.putAll(st.metadata());
                for (TensorInfo info : st.tensors().values()) {
                    String stored = info.name();
                    if (extraPrefixes.stream().anyMatch(stored::startsWith)) {
                        requireFloatingPoint(file, info);
                        extras.put(stored, requireFinite(file, stored, TensorBridge.read(st, info)));
                        continue;
                    }
                    String name = normalise(stored);
                    if (!name.equals(stripPrefix(stored))) {
                        renamed.add(stored + " -> " + name);
                    }
                    if (isIgnorable(name)) {
                        ignored.add(stored);
                        continue;
                    }
                    long[] shape = expected.get(name);
                    if (shape == null) {
                        if (stored.startsWith(BERT_PREFIX)) {
                            throw unexpected(file, stored);
                        }
                        beside.put(stored, file);
                        continue;
                    }
                    prefixed |= stored.startsWith(BERT_PREFIX);
                    String previous = sourceOf.put(name, stored);
                    Path previousFile = fileOf.put(name, file);
                    if (previous != null && previous.equals(stored)) {
                        throw new UserError(modelDir + ": tensor " + stored + " is in both " + previousFile + " and " + file
                                + " (shards must not overlap)");
                    }
                    if (previous != null) {
                        throw new UserError(file + ": tensors " + previous + " and " + stored + " both map to " + name);
                    }
                    if (!Arrays.equals(shape, info.shape())) {
                        throw new UserError(file + ": tensor " + stored + " has shape " + Arrays.toString(info.shape())
                                + " but config.json implies " + Arrays.toString(shape));
                    }
                    requireFloatingPoint(file, info);
                    params.put(name, requireFinite(file, stored, TensorBridge.read(st, info).to(torch.ScalarType.Float)));
                }
            }
        }

        if (!beside.isEmpty() && !prefixed) {
            Map.Entry<String, Path> first = beside.entrySet().iterator().next();
            throw unexpected(first.getValue(), first.getKey());
        }
        ignored.addAll(beside.keySet());

        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(params.keySet());
        boolean poolerMissing = missing.contains("pooler.dense.weight") && missing.contains("pooler.dense.bias");
        if (poolerMissing) {
            missing.remove("pooler.dense.weight");
            missing.remove("pooler.dense.bias");
        }
        if (!missing.isEmpty()) {
            throw new UserError(modelDir + ": checkpoint is missing " + missing.size() + " tensor(s), first "
                    + missing.iterator().next());
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            Tensor t = params.get(name);
            if (t != null) {
                t.set_requires_grad(true);
                ordered.put(name, t);
            }
        }
        Report report = new Report(List.copyOf(ignored), List.copyOf(renamed), poolerMissing);
        logReport(modelDir, report);
        return new Loaded(new BertModel(config, ordered, !poolerMissing), extras, report, metadata);
    }

    private static void requireFloatingPoint(Path file, TensorInfo info) {
        if (!info.dtype().isFloatingPoint()) {
            throw new UserError(file + ": tensor " + info.name() + " has dtype " + info.dtype()
                    + "; parameters must be F32, F16, BF16 or F64");
        }
    }

    /** A NaN or infinite weight (a run that diverged, a bad conversion) would make every output NaN, silently. */
    private static Tensor requireFinite(Path file, String stored, Tensor t) {
        if (t.is_floating_point()) {
            try (PointerScope ignored = new PointerScope()) {
                if (!FiniteCheck.allFinite(t)) {
                    throw new UserError(file + ": tensor " + stored + " holds NaN or infinite values; the checkpoint is"
                            + " damaged (saved after training diverged?): use an earlier checkpoint or the original model");
                }
            }
        }
        return t;
    }

    private static UserError unexpected(Path file, String stored) {
        return new UserError(file + ": unexpected tensor " + stored
                + " (not a parameter of a BERT encoder with this config.json)");
    }

    private static void logReport(Path modelDir, Report report) {
        if (!report.ignored().isEmpty()) {
            LOG.info("{}: ignored {} tensor(s) that are not part of the encoder: {}", modelDir,
                    report.ignored().size(), summarise(report.ignored()));
        }
        if (!report.renamed().isEmpty()) {
            LOG.info("{}: mapped {} legacy name(s), e.g. {}", modelDir, report.renamed().size(), report.renamed().get(0));
        }
        if (report.poolerMissing()) {
            LOG.info("{}: checkpoint has no pooler weights; the encoder runs without a pooler", modelDir);
        }
    }

    private static String summarise(List<String> names) {
        return names.size() <= 4 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 4)) + ", ... (" + (names.size() - 4) + " more)";
    }

    static String stripPrefix(String name) {
        return name.startsWith(BERT_PREFIX) ? name.substring(BERT_PREFIX.length()) : name;
    }

    static String normalise(String stored) {
        String name = stripPrefix(stored);
        if (name.contains("LayerNorm.")) {
            if (name.endsWith(".gamma")) {
                name = name.substring(0, name.length() - ".gamma".length()) + ".weight";
            } else if (name.endsWith(".beta")) {
                name = name.substring(0, name.length() - ".beta".length()) + ".bias";
            }
        }
        return name;
    }

    static boolean isIgnorable(String name) {
        return name.startsWith("cls.") || name.startsWith("classifier.")
                || name.endsWith("position_ids") || name.equals("embeddings.token_type_ids");
    }

    /**
     * The safetensors files of a checkpoint: one file, or every shard an index lists; failing those,
     * {@code pytorch_model.bin} or its shards, each converted once into {@code convertedCache}.
     */
    static List<Path> weightFiles(Path modelDir, Path convertedCache) {
        Path single = modelDir.resolve(WEIGHTS);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        Path index = modelDir.resolve(WEIGHTS_INDEX);
        if (Files.isRegularFile(index)) {
            return shards(index);
        }
        Path bin = modelDir.resolve(ConvertedWeights.BIN);
        if (Files.isRegularFile(bin)) {
            return List.of(ConvertedWeights.of(bin, convertedCache));
        }
        Path binIndex = modelDir.resolve(ConvertedWeights.BIN_INDEX);
        if (Files.isRegularFile(binIndex)) {
            return shards(binIndex).stream().map(shard -> ConvertedWeights.of(shard, convertedCache)).toList();
        }
        throw new UserError(modelDir + ": no model weights (looked for " + WEIGHTS + ", " + WEIGHTS_INDEX + ", "
                + ConvertedWeights.BIN + " and " + ConvertedWeights.BIN_INDEX + ")");
    }

    private static List<Path> shards(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new UserError(index + ": not valid JSON: " + e.getMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new UserError(index + ": missing weight_map");
        }
        Set<String> names = new LinkedHashSet<>();
        map.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new UserError(index + ": weight_map." + e.getKey() + " is not a file name");
            }
            names.add(e.getValue().asText());
        });
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            Path shard;
            try {
                shard = index.getParent().resolve(name).normalize();
            } catch (InvalidPathException e) {
                throw new UserError(index + ": shard name " + name.replaceAll("\\p{Cntrl}", "?")
                        + " is not a valid file name: " + e.getReason());
            }
            if (!index.getParent().normalize().equals(shard.getParent())) {
                throw new UserError(index + ": shard " + name + " is outside the model directory");
            }
            if (!Files.isRegularFile(shard)) {
                throw new UserError(index + ": shard " + name + " is missing");
            }
            files.add(shard);
        }
        return files;
    }
}
