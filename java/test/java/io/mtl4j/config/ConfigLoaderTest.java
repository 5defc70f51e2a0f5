package io.mtl4j.config;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private UserError fileError(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return assertThrows(UserError.class, () -> ConfigLoader.load(file, required()));
    }
    private static Map<String, Object> required() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", "m");
        o.put("data", "d");
        o.put("tasks", "sst2,qqp");
        o.put("lr", 3e-5);
        return o;
    }

    @Test
    void lossWeightsGetTheirOwnRateUnlessTold() {
        assertEquals(1e-2, ConfigLoader.load(null, required()).lossWeightLr());
        Map<String, Object> o = required();
        o.put("loss-weight-lr", 0.5);
        assertEquals(0.5, ConfigLoader.load(null, o).lossWeightLr());
    }

    @Test
    void warmupStepsRoundUpAsHuggingFaceCountsThem() {
        Map<String, Object> o = required();
        o.put("warmup-ratio", 0.1);
        o.put("steps", 24L);
        assertEquals(3, ConfigLoader.load(null, o).warmupSteps(), "math.ceil(24 * 0.1) in transformers");
        o.put("steps", 1500L);
        assertEquals(150, ConfigLoader.load(null, o).warmupSteps());
    }

    @Test
    void anUnquotedNoReadAsABooleanByYamlIsExplained() throws Exception {
        Path file = dir.resolve("no.yaml");
        Files.writeString(file, "sampler: off\nhead-input: pooler\n");
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(file, Map.of("model", "m", "tasks", "sst2", "data", "d")));
        assertEquals(file + ":1: sampler is false (YAML reads an unquoted yes, no, on or off as false: quote the value);"
                + " expected one of annealed, proportional, round-robin, temperature, uniform", e.getMessage());
        Files.writeString(file, "sampler: 'off'\n");
        UserError quoted = assertThrows(UserError.class, () -> ConfigLoader.load(file, Map.of("model", "m", "tasks", "sst2", "data", "d")));
        assertEquals(file + ":1: sampler is off; expected one of annealed, proportional, round-robin, temperature, uniform",
                quoted.getMessage());
    }

    @Test
    void theDataRevisionIsARecipeKeyDefaultingToMain() throws Exception {
        Map<String, Object> o = required();
        o.put("data", "hub");
        assertEquals("main", ConfigLoader.load(null, o).dataRevision());
        Path file = dir.resolve("pinned.yaml");
        Files.writeString(file, "data: hub\ndata-revision: v1.0\n");
        TrainConfig pinned = ConfigLoader.load(file, Map.of("model", "m", "tasks", "sst2"));
        assertEquals("v1.0", pinned.dataRevision());
        assertEquals("v1.0", pinned.toMap().get("data-revision"), "saved with the run");
        o.put("data-revision", "abc");
        assertEquals("abc", ConfigLoader.load(file, o).dataRevision(), "the command line wins");
    }

    @Test
    void aDataRevisionWithADataDirectoryHasNoEffect() {
        Map<String, Object> o = required();
        o.put("data-revision", "v1.0");
        TrainConfig c = ConfigLoader.load(null, o);
        assertEquals(List.of("--data-revision has no effect: only --data hub uses it (data is the directory d)"),
                ConfigLoader.unusedSettings(c, java.util.Set.of("data-revision"), Map.of("data-revision", "--data-revision")));
    }

    @Test
    void aConfigSavedBeforeDataRevisionLoadsAsMain() {
        Map<String, Object> saved = new LinkedHashMap<>(ConfigLoader.load(null, required()).toMap());
        saved.remove("data-revision");
        assertEquals("main", ConfigLoader.fromSaved(saved, "mtl4j.json").dataRevision());
    }

    @Test
    void aSavedConfigRoundTrips() {
        TrainConfig config = ConfigLoader.load(null, required());
        assertEquals(config, ConfigLoader.fromSaved(config.toMap(), "mtl4j.json"));
    }

    @Test
    void aConfigSavedBeforeLossWeightLrResumesAtTheHeadsRate() {
        Map<String, Object> saved = ConfigLoader.load(null, required()).toMap();
        saved.remove("loss-weight-lr");
        TrainConfig restored = ConfigLoader.fromSaved(saved, "mtl4j.json");
        assertEquals(3e-5, restored.headLr());
        assertEquals(3e-5, restored.lossWeightLr(), "old runs trained their loss weights at the heads' rate");
    }

    @Test
    void anOutOfRangeRateNamesItsFlag() {
        Map<String, Object> o = required();
        o.put("loss-weight-lr", 0.0);
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(null, o));
        assertTrue(e.getMessage().contains("loss-weight-lr"), e.getMessage());
    }

    @Test
    void ruleErrorsNameTheKeyThatAskedForTheMissingPart() throws Exception {
        Map<String, Object> o = required();
        o.put("tasks", "sst2,qqp");
        o.put("loss-weighting", "fixed");
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(null, o));
        assertEquals("--loss-weighting is fixed, which needs a weight for task sst2 (task-weights, e.g. --task-weights sst2=1,qqp=1)",
                e.getMessage());
        Map<String, Object> p = required();
        p.put("tasks", "sst2");
        p.put("mtl", "pcgrad");
        e = assertThrows(UserError.class, () -> ConfigLoader.load(null, p));
        assertEquals("--mtl is pcgrad, which needs at least two tasks (tasks: sst2)", e.getMessage());
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("configs"));
        e = assertThrows(UserError.class, () -> ConfigLoader.load(folder, Map.of()));
        assertEquals(folder + ": a directory, not a config file", e.getMessage());
    }

    @Test
    void settingsMadeMootByTheRestAreNamedOnlyWhereGiven() throws Exception {
        Path file = dir.resolve("moot.yaml");
        java.nio.file.Files.writeString(file, "sampler: round-robin\ntemperature: 3\npatience: 2\n");
        Map<String, Object> o = required();
        o.put("eval-every", 0L);
        o.put("pcgrad-reduction", "mean");
        TrainConfig c = ConfigLoader.load(file, o);
        Map<String, String> origin = Map.of("temperature", file + ":2: temperature", "patience", file + ":3: patience",
                "pcgrad-reduction", "--pcgrad-reduction");
        assertEquals(List.of(file + ":3: patience has no effect: early stopping needs evaluations, and eval-every is 0",
                        file + ":2: temperature has no effect: only the temperature sampler uses it (sampler is round-robin)",
                        "--pcgrad-reduction has no effect: only --mtl pcgrad uses it"),
                ConfigLoader.unusedSettings(c, java.util.Set.of("temperature", "patience", "pcgrad-reduction"), origin));
        assertEquals(List.of(), ConfigLoader.unusedSettings(c, java.util.Set.of(), origin), "inherited settings are not the user's doing");
        for (String shipped : List.of("configs/minilm-cpu.yaml", "configs/glue-bert-large.yaml")) {
            TrainConfig recipe = ConfigLoader.load(Path.of(shipped), Map.of());
            assertEquals(List.of(), ConfigLoader.unusedSettings(recipe, ConfigLoader.readFile(Path.of(shipped)).keySet(), Map.of()),
                    shipped + " sets nothing moot");
        }
    }

    @Test
    void fileErrorsNameTheFileAndLine() throws Exception {
        assertEquals(dir.resolve("a.yaml") + ":3: unknown config key \"batchsize\"; did you mean batch-size?",
                fileError("a.yaml", "# recipe\nsteps: 10\nbatchsize: 32\n").getMessage());
        assertEquals(dir.resolve("b.yaml") + ":2: head-lr is 7.0; must be in [1.0E-9, 1.0]",
                fileError("b.yaml", "steps: 10\nhead-lr: 7\n").getMessage());
        assertEquals(dir.resolve("c.json") + ":3: warmup-ratio must be a number, got ten",
                fileError("c.json", "{\"steps\": 10,\n \"tasks\": [\"sst2\"],\n \"warmup_ratio\": \"ten\"}").getMessage());
        String unknown = fileError("d.yaml", "epochs: 3\n").getMessage();
        assertTrue(unknown.startsWith(dir.resolve("d.yaml") + ":1: unknown config key \"epochs\" (known: model, "), unknown);
    }

    @Test
    void aTaskListItemThatIsNoNameIsAnErrorAtItsLine() throws Exception {
        // YAML reads null, 3 and no as a null, a number and false: they became the tasks 'null', '3' and 'false',
        // refused later as unknown tasks without the file and line.
        Map<String, Object> flags = new LinkedHashMap<>(Map.of("model", "m", "data", "d"));
        for (String item : List.of("null", "3", "no", "[qqp]")) {
            Path file = Files.writeString(dir.resolve("t.yaml"), "steps: 10\ntasks: [sst2, " + item + "]\n");
            UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(file, flags));
            assertTrue(e.getMessage().startsWith(file + ":2: tasks must be a list of task names"), e.getMessage());
        }
        Path quoted = Files.writeString(dir.resolve("q.yaml"), "steps: 10\ntasks: [sst2, \"qqp\"]\n");
        assertEquals(List.of("sst2", "qqp"), ConfigLoader.load(quoted, flags).tasks());
    }

    @Test
    void syntaxErrorsSayWhereAndWhatWithoutTheParsersExcerpt() throws Exception {
        String yaml = fileError("e.yaml", "steps: 10\ntasks: [sst2\n").getMessage();
        assertTrue(yaml.matches(java.util.regex.Pattern.quote(dir.resolve("e.yaml").toString())
                + ":[23]:\\d+: cannot parse config: while parsing a flow sequence: expected ',' or ']', but got .*"), yaml);
        String json = fileError("f.json", "{\"steps\": 10,\n \"lr\": 7,,}").getMessage();
        assertTrue(json.startsWith(dir.resolve("f.json") + ":2:10: cannot parse config: Unexpected character"), json);
        assertEquals(1, json.lines().count(), json);
    }

    @Test
    void aSecondDocumentIsAnErrorNotSilentlyDropped() throws Exception {
        // Only the first document was read: steps stayed 10 and nothing said the rest was ignored.
        String yaml = fileError("g.yaml", "steps: 10\n---\nsteps: 20\nlr: 1e-4\n").getMessage();
        assertTrue(yaml.startsWith(dir.resolve("g.yaml") + ":"), yaml);
        assertTrue(yaml.contains("one document"), yaml);
        String json = fileError("h.json", "{\"steps\": 10}\n{\"steps\": 20}\n").getMessage();
        assertTrue(json.startsWith(dir.resolve("h.json") + ":2:"), json);
    }

    @Test
    void anOpenEndedRangeSaysAtLeast() {
        Map<String, Object> o = required();
        o.put("steps", 0L);
        assertEquals("--steps is 0; must be at least 1", assertThrows(UserError.class, () -> ConfigLoader.load(null, o)).getMessage());
    }

    private static Map<String, Object> fixedWeights(String weights) {
        Map<String, Object> o = required();
        o.put("loss-weighting", "fixed");
        o.put("task-weights", weights);
        return o;
    }

    @Test
    void taskWeightsKeepTheirOrderSoAResumedConfigIsTheSavedOne() {
        // Resuming rebuilds the config from the one saved in mtl4j.json and compares the two as text; an
        // unordered map could iterate the weights in another order (it often did), and the resume was refused.
        String[] names = {"sst2", "mnli", "qqp", "qnli", "rte", "mrpc", "cola", "stsb", "wnli"};
        java.util.Random random = new java.util.Random(7);
        for (int trial = 0; trial < 300; trial++) {
            List<String> tasks = new java.util.ArrayList<>(List.of(names));
            java.util.Collections.shuffle(tasks, random);
            tasks = tasks.subList(0, 2 + random.nextInt(4));
            Map<String, Object> o = fixedWeights(String.join(",", tasks.stream().map(t -> t + "=1").toList()));
            o.put("tasks", String.join(",", tasks));
            Map<String, Object> json = ConfigLoader.load(null, o).toMap();
            Map<String, Double> weights = new LinkedHashMap<>(); // as mtl4j.json lists them
            tasks.forEach(t -> weights.put(t, 1.0));
            json.put("task-weights", weights);
            TrainConfig saved = ConfigLoader.fromSaved(json, "mtl4j.json");
            TrainConfig resumed = ConfigLoader.load(saved.toMap(), "saved config", null, Map.of());
            assertEquals(String.valueOf(saved.taskWeights()), String.valueOf(resumed.taskWeights()), "trial " + trial);
            assertEquals(tasks, List.copyOf(saved.taskWeights().keySet()), "trial " + trial);
        }
    }

    @Test
    void taskWeightsMustBeFiniteAndPositiveFromAFlagAsFromAFile() throws Exception {
        for (String w : List.of("-2", "NaN", "Infinity", "0")) {
            String expected = "must be finite weights > 0, got qqp=" + Double.parseDouble(w);
            assertEquals("--task-weights " + expected,
                    assertThrows(UserError.class, () -> ConfigLoader.load(null, fixedWeights("sst2=1,qqp=" + w))).getMessage());
            if (w.equals("-2") || w.equals("0")) { // the YAML parser refuses .nan and .inf itself
                assertEquals(dir.resolve("w.yaml") + ":2: task-weights " + expected, fileError("w.yaml",
                        "loss-weighting: fixed\ntask-weights: {sst2: 1, qqp: " + w + "}\n").getMessage());
            }
        }
        assertEquals(Map.of("sst2", 1.0, "qqp", 0.5), ConfigLoader.load(null, fixedWeights("sst2=1,qqp=0.5")).taskWeights());
        for (String malformed : List.of("sst2=1,qqp", "sst2=1,qqp=1=2", "sst2=1,=2")) {
            assertEquals("--task-weights must be task=weight pairs like mnli=1,sst2=0.5, got " + malformed,
                    assertThrows(UserError.class, () -> ConfigLoader.load(null, fixedWeights(malformed))).getMessage());
        }
        assertEquals("--task-weights gives task qqp two weights",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, fixedWeights("sst2=1,qqp=1,qqp=2"))).getMessage());
    }

    @Test
    void taskWeightsNameTasksCaseInsensitivelyAsTheTaskListDoes() throws Exception {
        // --tasks SST2,QQP trains sst2 and qqp; their weights may be spelled the same way.
        assertEquals(Map.of("sst2", 2.0, "qqp", 0.5), ConfigLoader.load(null, fixedWeights("SST2=2,Qqp=0.5")).taskWeights());
        Path file = Files.writeString(dir.resolve("w.yaml"), "loss-weighting: fixed\ntask-weights: {SST2: 2, qqp: 0.5}\n");
        assertEquals(Map.of("sst2", 2.0, "qqp", 0.5), ConfigLoader.load(file, required()).taskWeights());
        assertEquals("--task-weights gives task sst2 two weights",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, fixedWeights("sst2=1,qqp=1,SST2=2"))).getMessage());
    }

    @Test
    void taskWeightsThatWouldBeIgnoredAreErrors() throws Exception {
        Map<String, Object> equal = fixedWeights("sst2=1,qqp=2");
        equal.remove("loss-weighting");
        assertEquals("--task-weights needs loss-weighting fixed (default loss-weighting is equal)",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, equal)).getMessage());
        assertEquals("--task-weights names qqpp, which is not among the tasks (sst2, qqp); did you mean qqp?",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, fixedWeights("sst2=1,qqp=2,qqpp=1"))).getMessage());
        assertEquals(dir.resolve("x.yaml") + ":1: task-weights names mnli, which is not among the tasks (sst2, qqp)",
                fileError("x.yaml", "task-weights: {sst2: 1, qqp: 1, mnli: 1}\nloss-weighting: fixed\n").getMessage());
    }

    @Test
    void inheritedTaskWeightsStillLoad() {
        // A comparison's single-task baseline keeps the base's weights with equal weighting, and runs
        // saved before the check may hold weights without fixed weighting: both must still load.
        TrainConfig base = ConfigLoader.load(null, fixedWeights("sst2=1,qqp=2"));
        TrainConfig single = ConfigLoader.load(base.toMap(), "compare base", null,
                Map.of("tasks", "qqp", "loss-weighting", "equal"));
        assertEquals(List.of("qqp"), single.tasks());
        Map<String, Object> saved = single.toMap();
        assertEquals(single, ConfigLoader.fromSaved(saved, "mtl4j.json"));
    }

    @Test
    void aKeyGivenTwiceIsAnErrorAtItsSecondLine() throws Exception {
        assertEquals(dir.resolve("g.yaml") + ":4: duplicate config key \"batch-size\": batch-size is already set at line 2",
                fileError("g.yaml", "steps: 10\nbatch-size: 16\nlr: 1e-4\nbatch-size: 32\n").getMessage());
        assertEquals(dir.resolve("h.yaml") + ":3: duplicate config key \"batch_size\": batch-size is already set at line 1",
                fileError("h.yaml", "batch-size: 16\nsteps: 10\nbatch_size: 32\n").getMessage());
        assertEquals(dir.resolve("i.json") + ":3: duplicate config key \"steps\": steps is already set at line 1",
                fileError("i.json", "{\"steps\": 10,\n \"lr\": 1e-4,\n \"steps\": 20}").getMessage());
        assertEquals(dir.resolve("j.yaml") + ":5: duplicate key \"qqp\": qqp is already set at line 3",
                fileError("j.yaml", "loss-weighting: fixed\ntask-weights:\n  qqp: 1\n  sst2: 1\n  qqp: 2\n").getMessage());
    }

    @Test
    void aMaxLengthTooShortForASentencePairIsRefusedWithTheConfig() throws Exception {
        Map<String, Object> o = required();
        o.put("max-length", 2);
        assertEquals("--max-length is 2; must be in [3, 1048576]",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, o)).getMessage());
        o.put("max-length", 3);
        assertEquals(3, ConfigLoader.load(null, o).maxLength());
    }

    @Test
    void anIntegerPastSixtyFourBitsIsOutOfRangeNotWrapped() throws Exception {
        assertEquals(dir.resolve("k.yaml") + ":1: seed is 18446744073709551658; must be in [-9223372036854775808, 9223372036854775807]",
                fileError("k.yaml", "seed: 18446744073709551658\n").getMessage());
        assertEquals(dir.resolve("l.json") + ":1: steps is 100000000000000000000000000000; must be at least 1",
                fileError("l.json", "{\"steps\": 1e29}").getMessage());
        assertEquals(dir.resolve("m.yaml") + ":1: batch-size is 18446744073709551648; must be in [1, 65536]",
                fileError("m.yaml", "batch-size: 18446744073709551648\n").getMessage());
        Map<String, Object> o = required();
        o.put("seed", "-9223372036854775809");
        assertEquals("--seed is -9223372036854775809; must be in [-9223372036854775808, 9223372036854775807]",
                assertThrows(UserError.class, () -> ConfigLoader.load(null, o)).getMessage());
        o.put("seed", "-9223372036854775808");
        assertEquals(Long.MIN_VALUE, ConfigLoader.load(null, o).seed());
        o.put("seed", 7.0);
        assertEquals(7, ConfigLoader.load(null, o).seed());
        o.put("seed", 7.5);
        assertEquals("--seed must be an integer, got 7.5", assertThrows(UserError.class, () -> ConfigLoader.load(null, o)).getMessage());
    }
}
