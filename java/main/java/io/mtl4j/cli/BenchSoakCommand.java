package io.mtl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtl4j.bench.SoakBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mtl4j bench soak}. */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {
                "Checks training for native memory growth over --steps steps.",
                "Samples the resident set size and JavaCPP's tracked native bytes",
                "every --every steps; reports their growth from the end of warm-up (the first 10%% of steps) to",
                "the end. A native leak (a tensor per step kept alive) shows as steady growth.",
                "",
                "Example:",
                "  mtl4j bench soak --model ../shared/models/minilm-l6-h384 --data ../shared/glue --steps 2000 --json"})
public final class BenchSoakCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID", description = "Model directory or hub id.")
    String model;
    @picocli.CommandLine.Mixin
    io.mtl4j.bench.BenchData data;
    @Option(names = "--tasks", defaultValue = "sst2", description = "Tasks. Default: ${DEFAULT-VALUE}.")
    String tasks;
    @Option(names = "--steps", defaultValue = "2000", description = "Training steps. Default: ${DEFAULT-VALUE}.")
    long steps;
    @Option(names = "--every", defaultValue = "100", description = "Sample memory every N steps. Default: ${DEFAULT-VALUE}.")
    int every;
    @Option(names = "--batch-size", defaultValue = "32", description = "Micro-batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:<index>. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--memory-warmup", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "Run the trainer's memory warm-up before step 1, as mtl4j train does; false skips it"
                    + " (to see the growth it prevents). Default: ${DEFAULT-VALUE}.")
    boolean memoryWarmup;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Token cache directory. Default: $MTL4J_CACHE, else ~/.cache/mtl4j/tokens.")
    String cacheDir;
    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        data.putInto(o);
        o.put("tasks", tasks);
        o.put("batch-size", batchSize);
        o.put("device", device);
        o.put("cache-dir", cacheDir);
        o.put("keep-last", 1);
        o.put("memory-warmup", memoryWarmup);
        Map<String, Object> result = SoakBench.run(o, steps, every, Path.of(System.getProperty("java.io.tmpdir")));
        if (json) {
            Map<String, Object> compact = new LinkedHashMap<>(result);
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(compact));
        } else {
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "soak: %d steps (warm-up %d)%n  RSS %.1f MB -> %.1f MB, growth %.2f%%%n"
                            + "  of which Java heap committed %.1f MB -> %.1f MB; RSS outside the heap grew %.2f%%%n"
                            + "  JavaCPP bytes %d -> %d, growth %.2f%%%n",
                    result.get("steps"), result.get("warmup_steps"), result.get("rss_mb_start"), result.get("rss_mb_end"),
                    100 * (double) result.get("rss_growth_fraction"), result.get("heap_committed_mb_start"),
                    result.get("heap_committed_mb_end"), 100 * (double) result.get("non_heap_rss_growth_fraction"),
                    result.get("javacpp_bytes_start"),
                    result.get("javacpp_bytes_end"), 100 * (double) result.get("javacpp_bytes_growth_fraction"));
            @SuppressWarnings("unchecked")
            Map<String, Object> conditions = (Map<String, Object>) result.get("memory_conditions");
            spec.commandLine().getOut().printf(Locale.ROOT, "  conditions: %s%n", conditions);
            if (!Boolean.TRUE.equals(conditions.get("jvm_always_pretouch"))) {
                spec.commandLine().getOut().println("  note: without -XX:+AlwaysPreTouch the Java heap becomes resident as it is"
                        + " first used, which shows as RSS growth (scripts/mtl4j sets it)");
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
