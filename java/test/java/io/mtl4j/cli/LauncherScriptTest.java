package io.mtl4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/mtl4j, the launcher users run, as they run it: from elsewhere, through links, without java. */
class LauncherScriptTest {
    @TempDir
    Path dir;

    private static Path script() {
        return Path.of(System.getProperty("mtl4j.home", ".")).toAbsolutePath().resolve("scripts/mtl4j");
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private Result run(Path launcher, Map<String, String> env, List<String> unset, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        unset.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the launcher did not finish");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void runsThroughASymlinkInADirectoryWithSpaces() throws Exception {
        // as 'ln -s ~/mtl4j/scripts/mtl4j ~/bin/mtl4j' does
        Path bin = Files.createDirectories(dir.resolve("my bin"));
        Path link = Files.createSymbolicLink(bin.resolve("mtl4j"), script());
        Result r = run(link, Map.of(), List.of(), "--help");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("Usage: mtl4j"), r.stdout());

        // a relative link to a link
        Path chained = Files.createSymbolicLink(bin.resolve("m"), Path.of("mtl4j"));
        Result c = run(chained, Map.of(), List.of(), "--help");
        assertEquals(0, c.exitCode(), c.stderr());
        assertTrue(c.stdout().startsWith("Usage: mtl4j"), c.stdout());
    }

    @Test
    void saysSoWhenJavaHomeHasNoJava() throws Exception {
        Result r = run(script(), Map.of("JAVA_HOME", dir.resolve("no-jdk").toString()), List.of("JAVA"), "--help");
        assertEquals(127, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("mtl4j: "), r.stderr());
        assertTrue(r.stderr().contains("JAVA_HOME"), r.stderr());
        assertTrue(r.stderr().contains("Java 17"), r.stderr());
        assertFalse(r.stderr().contains("line "), r.stderr());
    }

    @Test
    void saysSoWhenJavaIsNotOnThePath() throws Exception {
        // a PATH with the tools the script itself needs, but no java
        Path tools = Files.createDirectories(dir.resolve("tools"));
        for (String tool : List.of("bash", "env", "dirname", "readlink")) {
            for (String d : List.of("/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(d, tool)) && !Files.exists(tools.resolve(tool))) {
                    Files.createSymbolicLink(tools.resolve(tool), Path.of(d, tool));
                }
            }
        }
        Result r = run(script(), Map.of("PATH", tools.toString()), List.of("JAVA_HOME", "JAVA"), "--help");
        assertEquals(127, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("mtl4j: "), r.stderr());
        assertTrue(r.stderr().contains("JAVA_HOME"), r.stderr());
        assertTrue(r.stderr().contains("Java 17"), r.stderr());
    }

    @Test
    void cachesFollowHomeAsPythonsToolsDo() throws Exception {
        // Java takes user.home from the password database, not $HOME; HOME=/scratch/me mtl4j ... must put
        // the JavaCPP, hub and token caches under /scratch/me, as huggingface_hub would.
        Path home = Files.createDirectories(dir.resolve("other home"));
        Result r = run(script(), Map.of("HOME", home.toString(), "JAVA_OPTS", "-XshowSettings:properties"), List.of(), "--help");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("user.home = " + home), r.stderr());

        Path chosen = Files.createDirectories(dir.resolve("chosen"));
        Result explicit = run(script(), Map.of("HOME", home.toString(),
                "JAVA_OPTS", "-XshowSettings:properties -Duser.home=" + chosen), List.of(), "--help");
        assertTrue(explicit.stderr().contains("user.home = " + chosen), explicit.stderr());

        Result unset = run(script(), Map.of("JAVA_OPTS", "-XshowSettings:properties"), List.of("HOME"), "--help");
        assertEquals(0, unset.exitCode(), unset.stderr());
        assertFalse(unset.stderr().contains("user.home = \n"), unset.stderr());
    }
}
