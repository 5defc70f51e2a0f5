package io.mtl4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes small GLUE-shaped datasets in the Hugging Face JSONL layout ({@code DIR/<task>/<split>.jsonl})
 * from the words of {@link TinyModels#VOCAB}, with learnable labels: sst2 is positive when the
 * sentence says "good", "great" or "fun"; qqp pairs are duplicates when both questions share the
 * same animal; stsb and mnli are written on request.
 */
public final class TinyGlue {
    private static final String[] FILLER = {"the", "a", "movie", "film", "is", "was", "very", "and", "it", "story", "plot", "actors"};
    private static final String[] POSITIVE = {"good", "great", "fun"};
    private static final String[] NEGATIVE = {"bad", "boring", "not"};
    private static final String[] ANIMALS = {"dog", "cat", "man", "woman"};
    private static final String[] VERBS = {"play", "sleep", "eat"};

    private TinyGlue() {
    }

    public static Path write(Path dir, int trainSize, int devSize, long seed) throws IOException {
        Random r = new Random(seed);
        writeSplit(dir.resolve("sst2"), "train", trainSize, r, TinyGlue::sst2Row);
        writeSplit(dir.resolve("sst2"), "validation", devSize, r, TinyGlue::sst2Row);
        writeSplit(dir.resolve("qqp"), "train", trainSize, r, TinyGlue::qqpRow);
        writeSplit(dir.resolve("qqp"), "validation", devSize, r, TinyGlue::qqpRow);
        return dir;
    }

    /**
     * Adds an STS-B-shaped regression task. The score is 2.5 for each sentence that mentions a dog:
     * a graded 0 / 2.5 / 5 target a tiny model learns in a few dozen steps (real similarity, which
     * needs the two sentences compared, it does not).
     */
    public static Path writeStsb(Path dir, int trainSize, int devSize, long seed) throws IOException {
        Random r = new Random(seed);
        writeSplit(dir.resolve("stsb"), "train", trainSize, r, TinyGlue::stsbRow);
        writeSplit(dir.resolve("stsb"), "validation", devSize, r, TinyGlue::stsbRow);
        return dir;
    }

    /**
     * Adds an MNLI-shaped task with matched and mismatched dev sets: entailment when the hypothesis
     * names the premise's animal, contradiction when it names another, neutral when it names none.
     */
    public static Path writeMnli(Path dir, int trainSize, int devSize, long seed) throws IOException {
        Random r = new Random(seed);
        writeSplit(dir.resolve("mnli"), "train", trainSize, r, TinyGlue::mnliRow);
        writeSplit(dir.resolve("mnli"), "validation_matched", devSize, r, TinyGlue::mnliRow);
        writeSplit(dir.resolve("mnli"), "validation_mismatched", devSize, r, TinyGlue::mnliRow);
        return dir;
    }

    /** One JSONL row of a task, drawn from {@code r}, with index {@code i}. */
    private interface Row {
        String make(Random r, int i);
    }

    private static void writeSplit(Path taskDir, String split, int n, Random r, Row row) throws IOException {
        Files.createDirectories(taskDir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(row.make(r, i));
        }
        Files.write(taskDir.resolve(split + ".jsonl"), lines);
    }

    private static String sst2Row(Random r, int i) {
        boolean positive = r.nextBoolean();
        StringBuilder s = new StringBuilder();
        int len = 2 + r.nextInt(8);
        int at = r.nextInt(len);
        for (int k = 0; k < len; k++) {
            s.append(k == 0 ? "" : " ").append(k == at
                    ? (positive ? POSITIVE : NEGATIVE)[r.nextInt(3)]
                    : FILLER[r.nextInt(FILLER.length)]);
        }
        return "{\"sentence\": \"" + s + "\", \"label\": " + (positive ? 1 : 0) + ", \"idx\": " + i + "}";
    }

    private static String qqpRow(Random r, int i) {
        boolean duplicate = r.nextBoolean();
        String a = ANIMALS[r.nextInt(4)];
        String b = duplicate ? a : ANIMALS[(java.util.Arrays.asList(ANIMALS).indexOf(a) + 1 + r.nextInt(3)) % 4];
        String q1 = "how does the " + a + " " + VERBS[r.nextInt(3)] + " ?";
        String q2 = "what " + b + " " + VERBS[r.nextInt(3)] + "s ?";
        return "{\"question1\": \"" + q1 + "\", \"question2\": \"" + q2 + "\", \"label\": " + (duplicate ? 1 : 0)
                + ", \"idx\": " + i + "}";
    }

    private static String stsbRow(Random r, int i) {
        int a1 = r.nextInt(ANIMALS.length);
        int a2 = r.nextInt(ANIMALS.length);
        int v1 = r.nextInt(VERBS.length);
        int v2 = r.nextInt(VERBS.length);
        double score = (a1 == 0 ? 2.5 : 0) + (a2 == 0 ? 2.5 : 0);
        String s1 = "the " + ANIMALS[a1] + " " + VERBS[v1] + "s";
        String s2 = "a " + ANIMALS[a2] + " is " + VERBS[v2] + "ing";
        return "{\"sentence1\": \"" + s1 + "\", \"sentence2\": \"" + s2 + "\", \"label\": " + score + ", \"idx\": " + i + "}";
    }

    private static String mnliRow(Random r, int i) {
        int animal = r.nextInt(ANIMALS.length);
        int label = r.nextInt(3);
        String verb = VERBS[r.nextInt(VERBS.length)];
        String premise = "the " + ANIMALS[animal] + " and a " + FILLER[r.nextInt(FILLER.length)] + " " + verb;
        String hypothesis = switch (label) {
            case 0 -> "a " + ANIMALS[animal] + " " + verb + "s";
            case 2 -> "a " + ANIMALS[(animal + 1 + r.nextInt(ANIMALS.length - 1)) % ANIMALS.length] + " " + verb + "s";
            default -> "it " + verb + "s";
        };
        return "{\"premise\": \"" + premise + "\", \"hypothesis\": \"" + hypothesis + "\", \"label\": " + label
                + ", \"idx\": " + i + "}";
    }
}
