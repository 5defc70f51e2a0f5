package io.mtl4j.util;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.apache.logging.log4j.Logger;

/** The C library through JNA, for the few POSIX calls Java has no API for (flock, dup2). */
public final class LibC {
    private LibC() {
    }

    /**
     * libc bound to {@code functions}, or null where it cannot be (not Linux or macOS, or JNA's
     * native part missing); {@code withoutIt} says on the debug log what is lost then.
     */
    public static <T extends Library> T load(Class<T> functions, Logger log, String withoutIt) {
        if (!Platform.isLinux() && !Platform.isMac()) {
            return null;
        }
        try {
            return Native.load(Platform.C_LIBRARY_NAME, functions);
        } catch (LinkageError | RuntimeException e) {
            log.debug("no libc through JNA ({}): {}", e.toString(), withoutIt);
            return null;
        }
    }
}
