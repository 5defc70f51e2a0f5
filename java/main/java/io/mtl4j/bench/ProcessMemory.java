package io.mtl4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident memory and page faults of this process (from /proc/self), and the load average. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Peak resident set size in MiB, or -1 where /proc/self/status is missing (not Linux). */
    static double peakRssMb() {
        return kibField(Path.of("/proc/self/status"), "VmHWM:") / 1024.0;
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+: "5" into /proc/self/clear_refs); false where it cannot. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long kibField(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1024;
        }
        return -1024;
    }

    /**
     * Minor page faults of this process so far (field 10 of /proc/self/stat): each is a page the
     * kernel handed over for the first time, so a run that keeps reusing memory it holds has few.
     * -1 where /proc is missing.
     */
    static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(fields[7]); // fields from the 3rd (state); minflt is the 10th
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg (empty where unavailable). */
    static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[]{Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
        } catch (IOException | RuntimeException e) {
            return new double[0];
        }
    }
}
