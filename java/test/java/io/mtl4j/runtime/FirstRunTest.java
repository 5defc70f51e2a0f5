package io.mtl4j.runtime;

import io.mtl4j.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fresh user's first commands: the CLI in a new JVM with an empty HOME, so JavaCPP's and DJL's
 * caches start empty. With Debian's python3-torch installed, this crashed before NativeRuntime
 * pre-extracted the natives (see its Javadoc).
 */
class FirstRunTest {
    @TempDir
    Path dir;

    private ProcessResult runCli(Path home, String... args) throws Exception {
        String classpath = System.getProperty("mtl4j.classes") + File.pathSeparator
                + System.getProperty("mtl4j.lib") + File.separator + "*";
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-Dorg.bytedeco.javacpp.logger.debug=true",
                "-cp", classpath, "io.mtl4j.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log-" + System.nanoTime() + ".txt").toFile());
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the CLI did not finish");
        String output = Files.readString(pb.redirectOutput().file().toPath());
        return new ProcessResult(p.exitValue(), output);
    }

    private record ProcessResult(int exitCode, String output) {
    }

    @Test
    void firstRunOnAnEmptyCacheSucceedsAndLoadsLikeLaterRuns() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path model = dir.resolve("model");
        TinyModels.write(model, 9);
        Path input = dir.resolve("in.tsv");
        Files.writeString(input, "a good film\n");

        ProcessResult first = runCli(home, "--version");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("libtorch 2.10.0"), first.output());
        assertTrue(Files.isDirectory(home.resolve(".javacpp/cache")), "the fresh HOME's cache was used");
        // Every library loads from the cache: libtorch.so never fails over to the system search path.
        assertFalse(first.output().matches("(?s).*Failed to load /\\S*libtorch.*"), first.output());

        ProcessResult encode = runCli(home, "encode", "--model", model.toString(), "--input", input.toString(),
                "--output", dir.resolve("out.jsonl").toString(), "--device", "cpu");
        assertEquals(0, encode.exitCode(), encode.output());
        assertEquals(1, Files.readAllLines(dir.resolve("out.jsonl")).size());
    }

    /**
     * The CPU build's LibTorch preset also describes the -gpu build, and JavaCPP tries that first:
     * it preloaded cudart, cupti and the rest from /usr/local/cuda (present with any CUDA toolkit)
     * into a process that never uses them, before falling back to the CPU natives.
     */
    @Test
    void cpuBuildLoadsNoCudaLibraries() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                getClass().getResource("/org/bytedeco/pytorch/" + org.bytedeco.javacpp.Loader.getPlatform() + "-gpu/") == null,
                "a -Pgpu build loads CUDA on purpose");
        ProcessResult version = runCli(Files.createDirectories(dir.resolve("home")), "--version");
        assertEquals(0, version.exitCode(), version.output());
        assertTrue(version.output().contains("CPU build"), version.output());
        // JavaCPP's debug log names every preload it attempts, whether or not the library exists here.
        for (String cuda : List.of("cudart", "cublas", "cudnn", "c10_cuda", "torch_cuda", "/usr/local/cuda")) {
            assertFalse(version.output().contains("Loading library " + cuda) || version.output().contains("Loading " + cuda)
                    || version.output().matches("(?s).*Loading \\S*" + java.util.regex.Pattern.quote(cuda) + ".*"),
                    cuda + " was loaded:\n" + version.output());
        }
    }
}
