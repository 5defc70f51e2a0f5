package io.mtl4j.cli;

import io.mtl4j.runtime.Devices;
import io.mtl4j.runtime.NativeFeatures;
import org.bytedeco.javacpp.Loader;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** {@code mtl4j --version}: mtl4j, LibTorch and JavaCPP versions, devices, native features. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        return new String[]{
                "mtl4j " + mtl4jVersion() + " (git " + io.mtl4j.train.Provenance.gitSha() + ")",
                "libtorch " + libtorchVersion() + " (JavaCPP " + Loader.getVersion() + ", "
                        + (Devices.isGpuBuild() ? "CUDA build" : "CPU build") + ", " + Loader.getPlatform() + ")",
                "devices: " + Devices.describe(),
                "native features: " + NativeFeatures.describe(),
                "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
        };
    }

    public static String mtl4jVersion() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("/mtl4j-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    public static String libtorchVersion() {
        try {
            String v = Loader.getVersion("org.bytedeco", "pytorch");
            return v == null ? "unknown" : v.substring(0, v.lastIndexOf('-') > 0 ? v.lastIndexOf('-') : v.length());
        } catch (IOException e) {
            return "unknown";
        }
    }
}
