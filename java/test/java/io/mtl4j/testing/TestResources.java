package io.mtl4j.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Test resources (golden fixtures) copied out of the classpath, so tests may add files beside them. */
public final class TestResources {
    private TestResources() {
    }

    /** Copies the resource directory {@code resource} (e.g. "/golden/tiny-bert/f32") and its subdirectories to {@code target}. */
    public static Path copyTree(String resource, Path target) throws IOException {
        URL url = TestResources.class.getResource(resource + "/");
        assertNotNull(url, "test resource " + resource + " not on the classpath");
        Path source;
        try {
            source = Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to);
                }
            }
        }
        return target;
    }
}
