package io.mtl4j.train;

import io.mtl4j.cli.VersionProvider;
import io.mtl4j.tokenize.BertTokenizer;
import io.mtl4j.tokenize.VocabTxtConverter;
import io.mtl4j.model.torchbin.ConvertedWeights;
import io.mtl4j.util.Hashing;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where a run came from: versions, git commit, seed, and hashes of the data and model files. */
public final class Provenance {
    private Provenance() {
    }

    public static Map<String, Object> collect(long seed, Path modelDir, Map<String, Map<String, String>> dataHashes,
                                              List<String> commandLine) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("seed", seed);
        p.put("mtl4j_version", VersionProvider.mtl4jVersion());
        p.put("git_sha", gitSha());
        p.put("libtorch_version", VersionProvider.libtorchVersion());
        try {
            p.put("javacpp_version", Loader.getVersion());
        } catch (IOException e) {
            p.put("javacpp_version", "unknown");
        }
        p.put("java_version", System.getProperty("java.version"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("host", hostName());
        p.put("started_at", Instant.now().toString());
        p.put("model_dir", modelDir.toAbsolutePath().normalize().toString());
        p.put("model_hashes", modelHashes(modelDir));
        p.put("data_hashes", dataHashes);
        p.put("command_line", commandLine);
        return p;
    }

    /**
     * The {@code data_source} entry of a {@code --data hub} run: the repo, the revision asked for and
     * the commit each split was read at ({@code <task>/<split>}, sorted). The data hashes identify the
     * bytes; this says where on the hub they came from.
     */
    public static Map<String, Object> hubData(String revision, Map<String, String> commits) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("repo", io.mtl4j.hub.GlueHub.REPO);
        entry.put("revision", revision == null ? io.mtl4j.hub.HubClient.DEFAULT_REVISION : revision);
        entry.put("commits", new java.util.TreeMap<>(commits));
        return entry;
    }

    static Map<String, String> modelHashes(Path modelDir) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : List.of("config.json", "tokenizer.json", "model.safetensors", "model.safetensors.index.json")) {
            Path f = modelDir.resolve(name);
            if (Files.isRegularFile(f)) {
                out.put(name, Hashing.sha256Hex(f));
            }
        }
        if (!out.containsKey("model.safetensors") && !out.containsKey("model.safetensors.index.json")) {
            // the weights were converted from these (CheckpointLoader.weightFiles)
            for (String name : List.of(ConvertedWeights.BIN, ConvertedWeights.BIN_INDEX)) {
                Path f = modelDir.resolve(name);
                if (Files.isRegularFile(f)) {
                    out.put(name, Hashing.sha256Hex(f));
                }
            }
        }
        if (!out.containsKey(BertTokenizer.FILE_NAME)) {
            // the tokenizer was built from these (BertTokenizer.load)
            for (String name : VocabTxtConverter.SOURCE_FILES) {
                Path f = modelDir.resolve(name);
                if (Files.isRegularFile(f)) {
                    out.put(name, Hashing.sha256Hex(f));
                }
            }
        }
        return out;
    }

    /** The commit of the mtl4j checkout the launcher ran from ({@code -Dmtl4j.home}), if any. */
    public static String gitSha() {
        String home = System.getProperty("mtl4j.home");
        if (home == null) {
            return "unknown";
        }
        try {
            Process p = new ProcessBuilder("git", "-C", home, "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{40}")) {
                Process dirty = new ProcessBuilder("git", "-C", home, "status", "--porcelain", "--untracked-files=no")
                        .redirectErrorStream(true).start();
                String changes = new String(dirty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                dirty.waitFor(10, TimeUnit.SECONDS);
                return changes.isEmpty() ? out : out + "-dirty";
            }
        } catch (IOException e) {
            return "unknown (no git)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
