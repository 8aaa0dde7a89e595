package io.github.jimengstudio.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Native-memory hygiene: glibc's {@code malloc_trim} (through JNA) and the process's resident size. libtorch frees
 * tensors into glibc's arenas, which keep the pages; trimming hands them back to the system.
 */
public final class NativeMemory {
    private NativeMemory() {}

    /** The one glibc function we need. */
    interface LibC extends Library {
        int malloc_trim(long pad);
    }

    private static final LibC LIBC = loadLibC();

    private static LibC loadLibC() {
        try {
            LibC c = Native.load("c", LibC.class);
            c.malloc_trim(0); // resolve the symbol now: musl, macOS and Windows have none
            return c;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /** Trims glibc's heap; false when this platform has no {@code malloc_trim}. */
    public static boolean trim() {
        if (LIBC == null) {
            return false;
        }
        LIBC.malloc_trim(0);
        return true;
    }

    /** This machine's memory (a container's limit where there is one), or -1 where the JVM cannot tell. */
    public static long physicalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    /** Resident set size in bytes (Linux {@code /proc/self/status}), or -1 where unavailable. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
