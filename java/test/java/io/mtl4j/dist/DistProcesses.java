package io.mtl4j.dist;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts ranks of a distributed job as child JVMs on 127.0.0.1, for tests. */
public final class DistProcesses {
    private DistProcesses() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static String classpath() {
        try {
            String tests = Path.of(DistProcesses.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            return System.getProperty("mtl4j.classes") + File.pathSeparator + tests + File.pathSeparator
                    + System.getProperty("mtl4j.lib") + File.separator + "*";
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts one rank running {@code mainClass args}, its output (both streams) to {@code log}. */
    public static Process rank(int rank, int world, int port, Path log, String mainClass, List<String> args)
            throws IOException {
        return rank(rank, world, port, log, List.of(), mainClass, args);
    }

    /** Like {@link #rank(int, int, int, Path, String, List)} with JVM options (e.g. -Dkey=value). */
    public static Process rank(int rank, int world, int port, Path log, List<String> jvm, String mainClass,
                               List<String> args) throws IOException {
        return rank(rank, world, port, log, jvm, Map.of(), mainClass, args);
    }

    /** Like {@link #rank(int, int, int, Path, List, String, List)} with more environment variables. */
    public static Process rank(int rank, int world, int port, Path log, List<String> jvm, Map<String, String> moreEnv,
                               String mainClass, List<String> args) throws IOException {
        return start(rank, world, port, builder(jvm, mainClass, args).redirectErrorStream(true).redirectOutput(log.toFile()),
                moreEnv);
    }

    /** Like {@link #rank(int, int, int, Path, String, List)} with stdout and stderr kept apart. */
    public static Process rank(int rank, int world, int port, Path stdout, Path stderr, String mainClass, List<String> args)
            throws IOException {
        return start(rank, world, port, builder(List.of(), mainClass, args)
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()), Map.of());
    }

    private static ProcessBuilder builder(List<String> jvm, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvm);
        command.addAll(List.of("-cp", classpath(), mainClass));
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    private static Process start(int rank, int world, int port, ProcessBuilder pb, Map<String, String> moreEnv)
            throws IOException {
        Map<String, String> env = pb.environment();
        env.put("RANK", String.valueOf(rank));
        env.put("LOCAL_RANK", String.valueOf(rank));
        env.put("WORLD_SIZE", String.valueOf(world));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", String.valueOf(port));
        env.put("OMP_NUM_THREADS", "1");
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.putAll(moreEnv);
        return pb.start();
    }
}
