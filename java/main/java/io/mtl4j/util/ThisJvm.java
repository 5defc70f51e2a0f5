package io.mtl4j.util;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that starts another JVM like this one: same java, JVM flags and class path. */
public final class ThisJvm {
    private ThisJvm() {
    }

    /** {@code java <this JVM's flags> -cp <class path> <mainClass>}; append the program's arguments. */
    public static List<String> command(Class<?> mainClass) {
        List<String> jvm = new ArrayList<>();
        jvm.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        jvm.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvm.add("-cp");
        jvm.add(System.getProperty("java.class.path"));
        jvm.add(mainClass.getName());
        return jvm;
    }
}
