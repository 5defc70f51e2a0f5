package io.mtl4j.cli;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A failure that is not a {@link io.mtl4j.util.UserError}, as one line: LibTorch running out of memory
 * (on the GPU or the CPU) is the user's to fix and names the options that lower memory; any other
 * error is a bug, shown without the C++ backtrace LibTorch appends to its messages (--verbose keeps it).
 */
record NativeFailure(String line, int exitCode) {
    /** c10's messages for a failed allocation: CUDACachingAllocator's, the CUDA runtime's, DefaultCPUAllocator's. */
    private static final Pattern OUT_OF_MEMORY = Pattern.compile(
            "CUDA out of memory|CUDA error: out of memory|DefaultCPUAllocator: (can't allocate|not enough) memory");
    /** c10::Error's location prefix, e.g. "[enforce fail at alloc_cpu.cpp:127] err == 0. ". */
    private static final Pattern ENFORCE_PREFIX = Pattern.compile("^\\[enforce fail at [^\\]]*\\] [^.]*\\. ");

    static NativeFailure of(Throwable e, CommandLine.Model.CommandSpec command) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && OUT_OF_MEMORY.matcher(message).find()) {
                String what = ENFORCE_PREFIX.matcher(withoutBacktrace(message)).replaceFirst("");
                return new NativeFailure("out of memory: " + what + (what.endsWith(".") ? " " : ". ") + advice(command), 2);
            }
        }
        return new NativeFailure("internal error: " + withoutBacktrace(e.toString()), 1);
    }

    /** The message up to the backtrace c10::Error appends ("Exception raised from ...", "frame #0: ..."). */
    private static String withoutBacktrace(String message) {
        int cut = message.length();
        for (String marker : List.of("\nException raised from", "\nframe #")) {
            int at = message.indexOf(marker);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return message.substring(0, cut).strip().replace('\n', ' ');
    }

    /** The options of {@code command} that lower memory use, those it has. */
    private static String advice(CommandLine.Model.CommandSpec command) {
        List<String> options = new ArrayList<>();
        if (command != null && command.findOption("--batch-size") != null) {
            options.add(command.findOption("--grad-accum") != null
                    ? "--batch-size (with a larger --grad-accum to keep the effective batch)" : "--batch-size");
        }
        for (String option : List.of("--max-length", "--max-tokens", "--eval-batch-size")) {
            if (command != null && command.findOption(option) != null) {
                options.add(option);
            }
        }
        if (options.isEmpty()) {
            return "Free memory, or run on a device with more";
        }
        String last = options.remove(options.size() - 1);
        return "Lower " + (options.isEmpty() ? last : String.join(", ", options) + " or " + last)
                + (command.findOption("--device") != null ? ", or run on a device with more memory" : "");
    }
}
