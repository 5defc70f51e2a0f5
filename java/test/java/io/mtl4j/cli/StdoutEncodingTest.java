package io.mtl4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What mtl4j prints on stdout (predict's JSON lines, encode --output -) is UTF-8 whatever the
 * locale: under LANG=C or an unset LANG, Java 17's default charset is US-ASCII, and a label such
 * as "négatif" came out as "n?gatif".
 */
class StdoutEncodingTest {
    @TempDir
    Path dir;

    /** Prints a non-ASCII label through the stdout writer Main uses. */
    public static void main(String[] args) {
        StdoutWriter out = StdoutWriter.open();
        out.println("{\"label\":\"n\u00e9gatif\"}");
        out.flush();
    }

    @Test
    void stdoutIsUtf8UnderAnAsciiLocale() throws Exception {
        Path printed = dir.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=US-ASCII", "-cp", System.getProperty("java.class.path"),
                StdoutEncodingTest.class.getName())).redirectOutput(printed.toFile()).redirectErrorStream(false);
        pb.environment().remove("LANG");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals("{\"label\":\"n\u00e9gatif\"}\n", new String(Files.readAllBytes(printed), StandardCharsets.UTF_8));
    }
}
