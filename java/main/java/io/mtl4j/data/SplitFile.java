package io.mtl4j.data;

import java.nio.file.Path;

/** A located split: the file and how to read it. */
public record SplitFile(Path path, DataFormat format) {}
