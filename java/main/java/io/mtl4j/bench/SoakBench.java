package io.mtl4j.bench;

import io.mtl4j.config.ConfigLoader;
import io.mtl4j.config.TrainConfig;
import io.mtl4j.train.TrainSession;
import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A native-memory soak: trains for N steps and samples the resident set size and JavaCPP's
 * tracked native bytes every {@code every} steps. Growth is measured from the end of warm-up
 * (the first 10% of steps) to the end; a leak of a tensor per step shows as steady growth.
 */
public final class SoakBench {
    private SoakBench() {
    }

    /**
     * One sample: step, RSS in MB, JavaCPP's {@link Pointer#totalBytes()} and
     * {@link Pointer#physicalBytes()}, and the Java heap the JVM has committed (part of the RSS).
     */
    public record Sample(long step, double rssMb, long javacppBytes, long physicalBytes, double heapCommittedMb) {
        /** The resident memory outside the Java heap: LibTorch, the allocator, JVM internals. */
        public double nonHeapRssMb() {
            return rssMb - heapCommittedMb;
        }
    }

    public static Map<String, Object> run(Map<String, Object> trainOverrides, long steps, int every, Path workDir)
            throws IOException {
        Map<String, Object> o = new LinkedHashMap<>(trainOverrides);
        o.put("steps", steps);
        o.put("eval-every", 0L);
        TrainConfig config = ConfigLoader.load(null, o);
        long warmup = Math.max(1, steps / 10);
        List<Sample> samples = new ArrayList<>();
        Path run = Files.createTempDirectory(workDir, "soak-");
        Files.delete(run);
        TrainSession.run(config, run, null, List.of("bench", "soak"), step -> {
            if (step == warmup || step % every == 0 || step == steps) {
                samples.add(new Sample(step, rssMb(), Pointer.totalBytes(), Pointer.physicalBytes(),
                        Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0)));
            }
        });
        io.mtl4j.util.Files2.deleteTree(run);
        Sample start = samples.stream().filter(s -> s.step() >= warmup).findFirst().orElseThrow();
        Sample end = samples.get(samples.size() - 1);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps", steps);
        out.put("warmup_steps", warmup);
        out.put("rss_mb_start", start.rssMb());
        out.put("rss_mb_end", end.rssMb());
        out.put("rss_growth_fraction", (end.rssMb() - start.rssMb()) / start.rssMb());
        out.put("heap_committed_mb_start", start.heapCommittedMb());
        out.put("heap_committed_mb_end", end.heapCommittedMb());
        out.put("non_heap_rss_growth_fraction", (end.nonHeapRssMb() - start.nonHeapRssMb()) / start.nonHeapRssMb());
        out.put("javacpp_bytes_start", start.javacppBytes());
        out.put("javacpp_bytes_end", end.javacppBytes());
        out.put("javacpp_bytes_growth_fraction", start.javacppBytes() == 0 ? 0.0
                : (double) (end.javacppBytes() - start.javacppBytes()) / start.javacppBytes());
        Map<String, Object> conditions = memoryConditions();
        conditions.put("memory_warmup", config.memoryWarmup());
        out.put("memory_conditions", conditions);
        out.put("samples", samples);
        return out;
    }

    /**
     * What shapes the RSS curve besides leaks: whether the JVM touched its whole initial heap at start
     * (otherwise heap pages become resident as they are first used, which looks like growth), and
     * glibc's mmap and trim thresholds (unset, glibc raises the mmap threshold as large blocks are
     * freed, so later tensors come from the heap arenas and stay resident). {@code scripts/mtl4j}
     * pre-touches the heap and leaves the thresholds to glibc (fixed ones cost throughput).
     */
    static Map<String, Object> memoryConditions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jvm_always_pretouch", alwaysPreTouch());
        m.put("malloc_mmap_threshold", System.getenv("MALLOC_MMAP_THRESHOLD_"));
        m.put("malloc_trim_threshold", System.getenv("MALLOC_TRIM_THRESHOLD_"));
        return m;
    }

    private static boolean alwaysPreTouch() {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && Boolean.parseBoolean(bean.getVMOption("AlwaysPreTouch").getValue());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Resident set size of this process, from /proc/self/status (VmRSS), in MB. */
    public static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return Pointer.physicalBytes() / (1024.0 * 1024.0);
    }
}
