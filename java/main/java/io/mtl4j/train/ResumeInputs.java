package io.mtl4j.train;

import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.VocabTxtConverter;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A resumed run continues the same computation only on the same inputs. --data and --model may
 * point elsewhere (a moved directory, another machine), but the data files and the tokenizer must
 * be byte-identical to those the run started with, as the provenance saved with the checkpoint
 * records them.
 */
final class ResumeInputs {
    private ResumeInputs() {
    }

    /**
     * Throws a one-line error when the tokenizer in {@code modelDir} is not the one the run used;
     * {@code startAgain} is the alternative it offers to pointing --model at the original.
     */
    static void checkTokenizer(Path checkpoint, Path modelDir, String startAgain) {
        Map<?, ?> savedHashes = savedModelHashes(checkpoint);
        Object saved = savedHashes.get(BertTokenizer.FILE_NAME);
        Path tokenizer = modelDir.resolve(BertTokenizer.FILE_NAME);
        if (saved != null && Files.isRegularFile(tokenizer)) {
            String now = Hashing.sha256Hex(tokenizer);
            if (!saved.equals(now)) {
                throw new UserError("cannot resume " + checkpoint + ": " + tokenizer + " is not the tokenizer the run "
                        + "started with (sha256 " + shortHash(saved) + " -> " + shortHash(now) + "); point --model at "
                        + "the original model, or " + startAgain);
            }
        }
        if (savedHashes.containsKey(VocabTxtConverter.VOCAB_FILE)) {
            checkVocabTxtSources(checkpoint, savedHashes, modelDir, startAgain);
        }
    }

    /**
     * A tokenizer built from vocab.txt depends on the slow tokenizer's files: what they build now must be the
     * tokenizer.json the checkpoint carries (tokenizer_config.json's do_lower_case changed, say, tokenizes
     * differently; its model_max_length does not). The message names the files that changed.
     */
    private static void checkVocabTxtSources(Path checkpoint, Map<?, ?> savedHashes, Path modelDir, String startAgain) {
        if (Files.isRegularFile(modelDir.resolve(BertTokenizer.FILE_NAME))) {
            return; // the model now has a tokenizer.json of its own; the tokenizer cache key tells the rest
        }
        Path carried = checkpoint.resolve(BertTokenizer.FILE_NAME);
        boolean carries = Files.isRegularFile(carried);
        try {
            if (carries && java.util.Arrays.equals(Files.readAllBytes(carried), VocabTxtConverter.toTokenizerJson(modelDir))) {
                return;
            }
        } catch (java.io.IOException e) {
            throw new UserError(carried + ": cannot read: " + e.getMessage(), e);
        }
        List<String> changed = new ArrayList<>();
        for (String name : VocabTxtConverter.SOURCE_FILES) {
            Path f = modelDir.resolve(name);
            Object was = savedHashes.get(name);
            String now = Files.isRegularFile(f) ? Hashing.sha256Hex(f) : null;
            if (!Objects.equals(was, now)) {
                changed.add(f + " (" + describe(was) + " -> " + describe(now) + ")");
            }
        }
        if (carries && changed.isEmpty()) {
            // the files are the run's, but this mtl4j builds another tokenizer from them than the checkpoint carries
            changed.add("the same files build a tokenizer.json other than " + carried);
        }
        if (!changed.isEmpty()) {
            throw new UserError("cannot resume " + checkpoint + ": the tokenizer built from " + VocabTxtConverter.VOCAB_FILE
                    + " is not the tokenizer the run started with: " + String.join(", ", changed)
                    + "; point --model at the original model, or " + startAgain);
        }
    }

    /** Throws a one-line error naming every task split whose file differs from the run's. */
    static void checkData(Path checkpoint, Map<String, TaskData> data, String startAgain) {
        List<String> changed = changedData(checkpoint, data);
        if (!changed.isEmpty()) {
            throw new UserError("cannot resume " + checkpoint + ": the data changed since the run started: "
                    + String.join(", ", changed) + "; point --data at the original files, or " + startAgain);
        }
    }

    /**
     * For a later run of a job (compare's baselines): throws a one-line error naming every model
     * file and data split that differs from those {@code reference}, a checkpoint of the job's first
     * run, recorded. Unlike a resume, such a run starts from the model's weights, so all of them count.
     */
    static void checkSameAs(Path runDir, Path reference, Path modelDir, Map<String, TaskData> data, String startAgain) {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<?, ?> file : savedModelHashes(reference).entrySet()) {
            Path f = modelDir.resolve(String.valueOf(file.getKey()));
            String now = Files.isRegularFile(f) ? Hashing.sha256Hex(f) : null;
            if (!Objects.equals(file.getValue(), now)) {
                changed.add("model " + f + " (" + describe(file.getValue()) + " -> " + describe(now) + ")");
            }
        }
        changedData(reference, data).forEach(split -> changed.add("data " + split));
        if (!changed.isEmpty()) {
            throw new UserError("cannot start " + runDir + ": it would not compare with the job's first run, whose "
                    + "inputs differ (" + reference + "): " + String.join(", ", changed) + "; point --model and --data at "
                    + "the original files, or " + startAgain);
        }
    }

    /** Each task split whose file differs from the one {@code checkpoint} recorded, as "task/split (old -> new)". */
    private static List<String> changedData(Path checkpoint, Map<String, TaskData> data) {
        Map<?, ?> saved = savedDataHashes(checkpoint);
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, TaskData> task : data.entrySet()) {
            if (!(saved.get(task.getKey()) instanceof Map<?, ?> before)) {
                continue; // saved by a version that did not record it
            }
            Map<String, String> now = task.getValue().fileHashes();
            TreeSet<String> splits = new TreeSet<>(now.keySet());
            before.keySet().forEach(k -> splits.add(String.valueOf(k)));
            for (String split : splits) {
                Object was = before.get(split);
                String is = now.get(split);
                if (!Objects.equals(was, is)) {
                    changed.add(task.getKey() + "/" + split + " (" + describe(was) + " -> " + describe(is) + ")");
                }
            }
        }
        return changed;
    }

    private static String describe(Object hash) {
        return hash == null ? "absent" : "sha256 " + shortHash(hash);
    }

    private static Map<?, ?> savedModelHashes(Path checkpoint) {
        return provenanceEntry(checkpoint, "model_hashes");
    }

    private static Map<?, ?> savedDataHashes(Path checkpoint) {
        return provenanceEntry(checkpoint, "data_hashes");
    }

    private static Map<?, ?> provenanceEntry(Path checkpoint, String key) {
        if (Checkpoints.readMeta(checkpoint).get("provenance") instanceof Map<?, ?> provenance
                && provenance.get(key) instanceof Map<?, ?> entry) {
            return entry;
        }
        return Map.of();
    }

    private static String shortHash(Object hash) {
        String s = String.valueOf(hash);
        return s.length() > 12 ? s.substring(0, 12) : s;
    }
}
