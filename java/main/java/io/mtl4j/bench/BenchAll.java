package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtl4j.cli.Main;
import io.mtl4j.util.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mtl4j bench all}: {@code bench data}, {@code bench pcgrad}, {@code bench train} and
 * {@code bench eval} one after the other, each exactly as its own command runs it, collected in {@code bench.json} and
 * {@code bench.md} with the machine description.
 */
@Command(name = "all", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Runs every benchmark and writes bench.json and bench.md.",
                "Runs bench data (the --task's train split), bench pcgrad (--pcgrad-tasks gradients of",
                "--pcgrad-params elements), bench train and bench eval (the --task's dev split at --batch-size,",
                "both batch orders), and writes bench.json and bench.md into --output.",
                "Each part runs as its own command does; a part that fails is recorded with its error and the",
                "command exits 1 after writing the files.",
                "",
                "Example:",
                "  mtl4j bench all --model ../shared/models/minilm-l6-h384 --data ../shared/glue --output bench",
                ""})
public final class BenchAll implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "Model directory or hub id.")
    String model;
    @CommandLine.Mixin
    BenchData data;
    @Option(names = "--output", defaultValue = "bench", paramLabel = "DIR", description = "Where to write bench.json and bench.md. Default: ${DEFAULT-VALUE}.")
    Path output;
    @Option(names = "--task", defaultValue = "sst2", description = "Task of bench data, train and eval. Default: ${DEFAULT-VALUE}.")
    String task;
    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size of bench train and eval. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--device", defaultValue = "cpu", description = "Device of bench pcgrad, train and eval. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--pcgrad-tasks", defaultValue = "3", description = "Task gradients for bench pcgrad. Default: ${DEFAULT-VALUE}.")
    int pcgradTasks;
    @Option(names = "--pcgrad-params", defaultValue = "50000000", description = "Parameters per gradient for bench pcgrad. Default: ${DEFAULT-VALUE}.")
    long pcgradParams;
    @Option(names = "--memory-warmup", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "bench train's --memory-warmup: false skips the trainer's (untimed) memory warm-up. Default: ${DEFAULT-VALUE}.")
    boolean memoryWarmup;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Token cache of bench train and eval (default: as mtl4j train).")
    Path cacheDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One part's outcome: its JSON output, or its error. */
    record Part(String name, List<String> args, int exitCode, double seconds, JsonNode json, String error) {
    }

    @Override
    public Integer call() throws IOException {
        // Bad input is a usage error before the parts run, not four failed parts after minutes of benchmarks.
        io.mtl4j.tasks.TaskRegistry.glue().get(task);
        data.resolve(io.mtl4j.data.CacheDirs.tokens(cacheDir, io.mtl4j.hub.Env.system()));
        double[] loadStart = ProcessMemory.loadAverage();
        List<Part> parts = new ArrayList<>();
        PrintWriter log = spec.commandLine().getErr();
        List<String> dataPart = new ArrayList<>(List.of("bench", "data", "--model", model, "--tasks", task,
                "--batch-size", Integer.toString(batchSize), "--json"));
        dataPart.addAll(data.args());
        parts.add(run(log, "data", dataPart.toArray(String[]::new)));
        parts.add(run(log, "pcgrad", "bench", "pcgrad", "--tasks", Integer.toString(pcgradTasks), "--params",
                Long.toString(pcgradParams), "--device", device, "--json"));
        List<String> train = new ArrayList<>(List.of("bench", "train", "--model", model, "--task", task,
                "--batch-size", Integer.toString(batchSize), "--device", device,
                "--memory-warmup", Boolean.toString(memoryWarmup), "--json"));
        train.addAll(data.args());
        if (cacheDir != null) {
            train.addAll(List.of("--cache-dir", cacheDir.toString()));
        }
        parts.add(run(log, "train", train.toArray(String[]::new)));
        List<String> eval = new ArrayList<>(List.of("bench", "eval", "--model", model, "--task", task,
                "--batch-sizes", Integer.toString(batchSize), "--device", device, "--json"));
        eval.addAll(data.args());
        if (cacheDir != null) {
            eval.addAll(List.of("--cache-dir", cacheDir.toString()));
        }
        parts.add(run(log, "eval", eval.toArray(String[]::new)));
        ObjectNode root = JSON.createObjectNode();
        Machine machine = Machine.current();
        root.putObject("machine").put("cpus", machine.cpus()).put("cpu_model", machine.cpuModel());
        ObjectNode load = root.putObject("load_average");
        for (double v : loadStart) {
            load.withArray("start").add(v);
        }
        for (double v : ProcessMemory.loadAverage()) {
            load.withArray("end").add(v);
        }
        boolean ok = true;
        for (Part p : parts) {
            ObjectNode o = root.putObject(p.name());
            o.put("command", "mtl4j " + String.join(" ", p.args()));
            o.put("seconds", TrainBenchReport.round(p.seconds(), 1));
            o.put("exit_code", p.exitCode());
            if (p.json() != null) {
                o.set("result", p.json());
            }
            if (p.error() != null) {
                o.put("error", p.error());
            }
            ok &= p.exitCode() == 0 && p.json() != null;
        }
        Files.createDirectories(output);
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicFiles.write(output.resolve("bench.json"), out -> out.write(json));
        byte[] md = BenchMarkdown.render(root).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(output.resolve("bench.md"), out -> out.write(md));
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "wrote %s and %s%n", output.resolve("bench.json"), output.resolve("bench.md"));
        out.flush();
        return ok ? 0 : 1;
    }

    private static Part run(PrintWriter log, String name, String... args) {
        log.printf(Locale.ROOT, "bench all: running mtl4j %s%n", String.join(" ", args));
        log.flush();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonNode json = null;
        String error = err.toString().strip();
        try {
            String text = out.toString().strip();
            json = text.isEmpty() ? null : JSON.readTree(text);
        } catch (IOException e) {
            error = (error.isEmpty() ? "" : error + "; ") + "output is not JSON: " + e.getMessage();
        }
        log.printf(Locale.ROOT, "bench all: %s done in %.1f s (exit %d)%n", name, seconds, code);
        log.flush();
        return new Part(name, List.of(args), code, seconds, json, code == 0 && json != null ? null : error);
    }
}
