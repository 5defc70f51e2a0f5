package io.mtl4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.runtime.Tensors;
import io.mtl4j.testing.TinyModels;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointLoaderTest {
    @TempDir
    Path dir;

    private BertModel base;

    private Map<String, Tensor> hubStyle(torch.ScalarType dtype) throws Exception {
        TinyModels.write(dir, 5);
        base = CheckpointLoader.load(dir).model();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : base.parameters().entrySet()) {
            String name = "bert." + e.getKey().replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            out.put(name, e.getValue().detach().to(dtype));
        }
        out.put("bert.embeddings.position_ids", torch.arange(new org.bytedeco.pytorch.Scalar(64)).unsqueeze(0));
        out.put("cls.predictions.bias", torch.zeros(TinyModels.VOCAB.size()));
        out.put("cls.seq_relationship.weight", torch.zeros(2, 32));
        return out;
    }

    private void rewrite(Map<String, Tensor> tensors) throws Exception {
        CheckpointWriter.writeSafetensors(tensors, dir.resolve(CheckpointLoader.WEIGHTS), Map.of());
    }

    @Test
    void aTensorInTwoShardsNamesBothFiles() throws Exception {
        Map<String, Tensor> all = hubStyle(torch.ScalarType.Float);
        java.nio.file.Files.delete(dir.resolve(CheckpointLoader.WEIGHTS));
        Path a = dir.resolve("model-00001-of-00002.safetensors");
        Path b = dir.resolve("model-00002-of-00002.safetensors");
        CheckpointWriter.writeSafetensors(all, a, Map.of());
        CheckpointWriter.writeSafetensors(Map.of("bert.pooler.dense.bias", all.get("bert.pooler.dense.bias")), b, Map.of());
        StringBuilder map = new StringBuilder();
        for (String name : all.keySet()) {
            map.append(map.length() == 0 ? "" : ", ").append('"').append(name).append("\": \"").append(a.getFileName()).append('"');
        }
        java.nio.file.Files.writeString(dir.resolve(CheckpointLoader.WEIGHTS_INDEX), "{\"weight_map\": {" + map
                + ", \"extra\": \"" + b.getFileName() + "\"}}");
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(dir));
        assertTrue(e.getMessage().contains("tensor bert.pooler.dense.bias is in both " + a + " and " + b), e.getMessage());
    }

    @Test
    void loadsHubStyleNamesAndReportsWhatItIgnored() throws Exception {
        rewrite(hubStyle(torch.ScalarType.Float));
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir);
        assertTrue(loaded.report().ignored().containsAll(java.util.List.of(
                "bert.embeddings.position_ids", "cls.predictions.bias", "cls.seq_relationship.weight")));
        assertFalse(loaded.report().renamed().isEmpty());
        assertFalse(loaded.report().poolerMissing());
        for (String name : base.parameters().keySet()) {
            assertArrayEquals(Tensors.toFloatArray(base.parameter(name)),
                    Tensors.toFloatArray(loaded.model().parameter(name)), 0f, name);
        }
    }

    @Test
    void ignoresTheTaskHeadOfAnyBertForXCheckpointAsTransformersDoes() throws Exception {
        // BertForQuestionAnswering, BertForTokenClassification, ...: the encoder under bert., a head beside it
        Map<String, Tensor> qa = hubStyle(torch.ScalarType.Float);
        qa.put("qa_outputs.weight", torch.zeros(2, 32));
        qa.put("qa_outputs.bias", torch.zeros(2));
        rewrite(qa);
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir);
        assertTrue(loaded.report().ignored().containsAll(java.util.List.of("qa_outputs.weight", "qa_outputs.bias")),
                loaded.report().toString());
        assertEquals(base.parameters().keySet(), loaded.model().parameters().keySet());

        // without the bert. prefix, a stray name is still a mistake worth an error
        Map<String, Tensor> bare = new LinkedHashMap<>(base.parameters());
        bare.put("qa_outputs.weight", torch.zeros(2, 32));
        assertTrue(error(bare).contains("unexpected tensor qa_outputs.weight"));
    }

    @Test
    void loadsHalfAndBfloat16Weights() throws Exception {
        for (torch.ScalarType type : new torch.ScalarType[]{torch.ScalarType.Half, torch.ScalarType.BFloat16}) {
            rewrite(hubStyle(type));
            BertModel loaded = CheckpointLoader.load(dir).model();
            String name = "encoder.layer.1.output.dense.weight";
            Tensor param = loaded.parameter(name);
            assertEquals(torch.ScalarType.Float, Tensors.scalarType(param));
            assertArrayEquals(Tensors.toFloatArray(base.parameter(name).detach().to(type)), Tensors.toFloatArray(param), 0f, type.toString());
        }
    }

    @Test
    void allowsAMissingPooler() throws Exception {
        TinyModels.write(dir, 5);
        Map<String, Tensor> noPooler = new LinkedHashMap<>(CheckpointLoader.load(dir).model().parameters());
        noPooler.remove("pooler.dense.weight");
        noPooler.remove("pooler.dense.bias");
        rewrite(noPooler);
        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir);
        assertTrue(loaded.report().poolerMissing());
        assertFalse(loaded.model().hasPooler());
    }

    private String error(Map<String, Tensor> tensors) throws Exception {
        rewrite(tensors);
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void namesMissingUnexpectedAndMisshapedTensors() throws Exception {
        TinyModels.write(dir, 5);
        Map<String, Tensor> params = new LinkedHashMap<>(CheckpointLoader.load(dir).model().parameters());

        Map<String, Tensor> missing = new LinkedHashMap<>(params);
        missing.remove("encoder.layer.1.attention.self.key.bias");
        assertTrue(error(missing).contains("encoder.layer.1.attention.self.key.bias"));

        Map<String, Tensor> unexpected = new LinkedHashMap<>(params);
        unexpected.put("encoder.layer.2.attention.self.key.bias", torch.zeros(32));
        assertTrue(error(unexpected).contains("unexpected tensor encoder.layer.2.attention.self.key.bias"));

        Map<String, Tensor> misshaped = new LinkedHashMap<>(params);
        misshaped.put("embeddings.LayerNorm.weight", torch.ones(31));
        String message = error(misshaped);
        assertTrue(message.contains("embeddings.LayerNorm.weight") && message.contains("[31]") && message.contains("[32]"), message);

        Map<String, Tensor> integer = new LinkedHashMap<>(params);
        integer.put("embeddings.LayerNorm.bias", torch.zeros(32).to(torch.ScalarType.Long));
        assertTrue(error(integer).contains("dtype I64"));
    }

    @Test
    void refusesNanOrInfiniteWeightsInsteadOfEncodingNan() throws Exception {
        // A checkpoint saved from a run that diverged: every output would be NaN, silently.
        TinyModels.write(dir, 5);
        Map<String, Tensor> params = new LinkedHashMap<>(CheckpointLoader.load(dir).model().parameters());
        Map<String, Tensor> nan = new LinkedHashMap<>(params);
        Tensor weight = params.get("encoder.layer.0.output.dense.weight").detach().clone();
        weight.view(-1).select(0, 3).fill_(new org.bytedeco.pytorch.Scalar(Float.NaN));
        nan.put("encoder.layer.0.output.dense.weight", weight);
        String message = error(nan);
        assertTrue(message.contains("tensor encoder.layer.0.output.dense.weight holds NaN or infinite values"), message);

        Map<String, Tensor> inf = new LinkedHashMap<>(params);
        inf.put("embeddings.LayerNorm.bias", torch.full(new long[]{32}, new org.bytedeco.pytorch.Scalar(Float.POSITIVE_INFINITY)));
        assertTrue(error(inf).contains("tensor embeddings.LayerNorm.bias holds NaN or infinite values"));
    }

    @Test
    void readsShardedCheckpointsAndKeepsRequestedExtras() throws Exception {
        TinyModels.write(dir, 5);
        Map<String, Tensor> params = CheckpointLoader.load(dir).model().parameters();
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            boolean toFirst = i++ % 2 == 0;
            (toFirst ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), toFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        second.put("heads.sst2.classifier.weight", torch.ones(2, 32));
        weightMap.put("heads.sst2.classifier.weight", "model-00002-of-00002.safetensors");
        Files.delete(dir.resolve(CheckpointLoader.WEIGHTS));
        CheckpointWriter.writeSafetensors(first, dir.resolve("model-00001-of-00002.safetensors"), Map.of());
        CheckpointWriter.writeSafetensors(second, dir.resolve("model-00002-of-00002.safetensors"), Map.of());
        Files.writeString(dir.resolve(CheckpointLoader.WEIGHTS_INDEX),
                new ObjectMapper().writeValueAsString(Map.of("metadata", Map.of(), "weight_map", weightMap)));

        CheckpointLoader.Loaded loaded = CheckpointLoader.load(dir, Set.of("heads."));
        assertEquals(params.keySet(), loaded.model().parameters().keySet());
        assertTrue(loaded.extras().containsKey("heads.sst2.classifier.weight"));

        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(dir));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors is missing"), e.getMessage());
    }

    @Test
    void missingDirectoryAndWeightsAreClearErrors() throws Exception {
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"));
        TinyModels.write(dir, 5);
        Files.delete(dir.resolve(CheckpointLoader.WEIGHTS));
        e = assertThrows(UserError.class, () -> CheckpointLoader.load(dir));
        assertTrue(e.getMessage().contains("no model weights"), e.getMessage());
    }
}
