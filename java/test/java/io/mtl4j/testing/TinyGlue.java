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
 * same animal.
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
        writeSst2(dir.resolve("sst2"), "train", trainSize, r);
        writeSst2(dir.resolve("sst2"), "validation", devSize, r);
        writeQqp(dir.resolve("qqp"), "train", trainSize, r);
        writeQqp(dir.resolve("qqp"), "validation", devSize, r);
        return dir;
    }

    private static void writeSst2(Path dir, String split, int n, Random r) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean positive = r.nextBoolean();
            StringBuilder s = new StringBuilder();
            int len = 2 + r.nextInt(8);
            int at = r.nextInt(len);
            for (int k = 0; k < len; k++) {
                s.append(k == 0 ? "" : " ").append(k == at
                        ? (positive ? POSITIVE : NEGATIVE)[r.nextInt(3)]
                        : FILLER[r.nextInt(FILLER.length)]);
            }
            lines.add("{\"sentence\": \"" + s + "\", \"label\": " + (positive ? 1 : 0) + ", \"idx\": " + i + "}");
        }
        Files.write(dir.resolve(split + ".jsonl"), lines);
    }

    private static void writeQqp(Path dir, String split, int n, Random r) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean duplicate = r.nextBoolean();
            String a = ANIMALS[r.nextInt(4)];
            String b = duplicate ? a : ANIMALS[(java.util.Arrays.asList(ANIMALS).indexOf(a) + 1 + r.nextInt(3)) % 4];
            String q1 = "how does the " + a + " " + VERBS[r.nextInt(3)] + " ?";
            String q2 = "what " + b + " " + VERBS[r.nextInt(3)] + "s ?";
            lines.add("{\"question1\": \"" + q1 + "\", \"question2\": \"" + q2 + "\", \"label\": " + (duplicate ? 1 : 0)
                    + ", \"idx\": " + i + "}");
        }
        Files.write(dir.resolve(split + ".jsonl"), lines);
    }
}
