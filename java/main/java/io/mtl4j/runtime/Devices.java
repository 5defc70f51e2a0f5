package io.mtl4j.runtime;

import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/** Parses {@code --device auto|cpu|cuda[:i]} into a LibTorch device. */
public final class Devices {
    private Devices() {
    }

    public static Device resolve(String spec) {
        NativeRuntime.ensureLoaded();
        String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("auto")) {
            return torch.cuda_is_available() ? new Device(torch.DeviceType.CUDA, (byte) 0) : new Device(torch.DeviceType.CPU);
        }
        if (s.equals("cpu")) {
            return new Device(torch.DeviceType.CPU);
        }
        if (s.equals("cuda") || s.startsWith("cuda:")) {
            int index = 0;
            if (s.startsWith("cuda:")) {
                try {
                    index = Integer.parseInt(s.substring(5));
                } catch (NumberFormatException e) {
                    throw new UserError("--device " + spec + ": expected cuda:<index>");
                }
            }
            if (!torch.cuda_is_available()) {
                throw new UserError("--device " + spec + ": CUDA is not available (this LibTorch build "
                        + (isGpuBuild() ? "supports CUDA but no GPU or driver was found" : "is CPU-only; build with -Pgpu") + ")");
            }
            int count = torch.cuda_device_count();
            if (index < 0 || index >= count) {
                throw new UserError("--device " + spec + ": only " + count + " CUDA device(s) visible");
            }
            return new Device(torch.DeviceType.CUDA, (byte) index);
        }
        throw new UserError("--device " + spec + ": expected auto, cpu, cuda or cuda:<index>");
    }

    /** "cpu" or "cuda:i". */
    public static String name(Device device) {
        return device.is_cuda() ? "cuda:" + Math.max(0, device.index()) : "cpu";
    }

    /** Where work runs, for a log line: "cpu (1 LibTorch thread)", "cpu (2 LibTorch threads)" or "cuda:0". */
    public static String where(Device device) {
        return device.is_cuda() ? name(device) : "cpu (" + libTorchThreads() + ")";
    }

    private static String libTorchThreads() {
        int n = torch.get_num_threads();
        return n + " LibTorch thread" + (n == 1 ? "" : "s");
    }

    /** Whether the LibTorch on the classpath was built with CUDA (the -Pgpu build). */
    public static boolean isGpuBuild() {
        return Devices.class.getResource("/org/bytedeco/pytorch/" + org.bytedeco.javacpp.Loader.getPlatform()
                + "-gpu/") != null;
    }

    /** A short description of the devices this process sees, for --version. */
    public static String describe() {
        NativeRuntime.ensureLoaded();
        StringBuilder sb = new StringBuilder("cpu (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + libTorchThreads() + ")");
        if (torch.cuda_is_available()) {
            sb.append(", cuda x").append(torch.cuda_device_count());
        } else {
            sb.append(isGpuBuild() ? ", cuda: build supports it, no device found" : ", cuda: not in this build (use -Pgpu)");
        }
        return sb.toString();
    }
}
