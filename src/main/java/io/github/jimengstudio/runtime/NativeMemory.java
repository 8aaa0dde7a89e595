package io.github.jimengstudio.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Native-memory hygiene: glibc's {@code malloc_trim} (through JNA) and the process's resident size. libtorch frees
 * tensors into glibc's arenas, which keep the pages; trimming hands them back to the system.
 *
 * <p>And the check made before memory is taken in bulk ({@link #require}): weights, packed copies, a stage's
 * activations. Past the machine's memory Linux does not fail an allocation; its OOM killer ends the process.
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

    /**
     * Memory this process can still take: Linux's {@code MemAvailable}, lowered to the room left under the
     * process's cgroup limits, and to the room left under the {@code jimeng.memoryLimit} setting (a cap on this
     * process's own memory, not counting mapped files, e.g. {@code 12g}, {@code 800m} or bytes) when it is set.
     * -1 where the system cannot tell (not Linux): there is no check then, as macOS and Windows do not kill a
     * process for an allocation, and their "free" figures leave out memory they would give back. Also -1 when
     * {@code jimeng.memoryChecks=false} turns the checks off (e.g. to run into swap on purpose).
     */
    public static long availableBytes() {
        if ("false".equalsIgnoreCase(System.getProperty("jimeng.memoryChecks", "").strip())) {
            return -1;
        }
        long available = meminfoKb("MemAvailable:");
        if (available < 0) {
            return -1;
        }
        available = tighter(available * 1024, cgroupRoom(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup")));
        long limit = memoryLimit();
        if (limit > 0) {
            available = Math.min(available, Math.max(0, limit - Math.max(0, ownBytes())));
        }
        return available;
    }

    /**
     * Memory every check leaves free, for the operating system, Fiji and what an estimate cannot foresee: 1 GiB,
     * or a tenth of a smaller machine (or of a smaller {@code jimeng.memoryLimit}).
     */
    public static long reserveBytes() {
        long total = tighter(physicalBytes(), memoryLimit());
        return total > 0 ? Math.min(1L << 30, total / 10) : 1L << 30;
    }

    /**
     * Refuses an allocation of {@code bytes} that would leave less than {@link #reserveBytes()} free, before it
     * is made; {@code what} names it in the message ("the weight 'x'"). Memory libtorch has freed but glibc still
     * holds is handed back first. Passes where the free memory is unknown.
     */
    public static void require(long bytes, String what) {
        if (bytes <= 0) {
            return;
        }
        long reserve = reserveBytes();
        long available = availableBytes();
        if (available >= 0 && bytes > available - reserve && trim()) {
            available = availableBytes();
        }
        if (available < 0) {
            return;
        }
        long usable = Math.max(0, available - reserve);
        if (bytes > usable) {
            throw new InsufficientMemoryException("Not enough memory for " + what + ": it needs "
                    + InsufficientMemoryException.sizeText(bytes) + " and " + InsufficientMemoryException.sizeText(
                    usable) + " is free (" + InsufficientMemoryException.sizeText(available) + " available, "
                    + InsufficientMemoryException.sizeText(reserve) + " kept in reserve)." + limitNote(bytes + reserve),
                    bytes, usable);
        }
    }

    /**
     * When the {@code jimeng.memoryLimit} setting is what leaves too little for {@code bytes}, a sentence saying so:
     * a limit below what the JVM and libtorch already take leaves nothing at all, which reads as a bug otherwise.
     */
    private static String limitNote(long bytes) {
        long limit = memoryLimit();
        if (limit <= 0) {
            return "";
        }
        long own = Math.max(0, ownBytes());
        if (own + bytes <= limit) {
            return "";
        }
        return " The setting jimeng.memoryLimit=" + System.getProperty("jimeng.memoryLimit").strip() + " ("
                + InsufficientMemoryException.sizeText(limit) + ") is what stops it: this process already uses "
                + InsufficientMemoryException.sizeText(own) + " (the JVM and libtorch included); raise the limit or "
                + "remove it.";
    }

    /** The {@code jimeng.memoryLimit} setting in bytes, or -1 when unset. */
    static long memoryLimit() {
        String v = System.getProperty("jimeng.memoryLimit");
        if (v == null || v.isBlank()) {
            return -1;
        }
        String s = v.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        char last = s.charAt(s.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g' || last == 't') {
            unit = 1L << (10 * ("kmgt".indexOf(last) + 1));
            s = s.substring(0, s.length() - 1).strip();
        }
        try {
            double n = Double.parseDouble(s);
            if (n > 0 && Double.isFinite(n)) {
                return (long) (n * unit);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("jimeng.memoryLimit is '" + v + "'; give a size such as 12g, 800m or a"
                + " number of bytes");
    }

    /**
     * This process's own resident memory: anonymous and shared-memory pages, not the pages of mapped files (a
     * float32 checkpoint viewed zero-copy is the page cache's, which the system reclaims); -1 where unknown.
     */
    static long ownBytes() {
        long anon = statusKb("RssAnon:");
        long shmem = statusKb("RssShmem:");
        return anon < 0 ? residentBytes() : (anon + Math.max(0, shmem)) * 1024; // kernels before 4.5: all of it
    }

    /** A {@code /proc/meminfo} field in kB, or -1. */
    private static long meminfoKb(String field) {
        return procFieldKb(Path.of("/proc/meminfo"), field);
    }

    /** A {@code /proc/self/status} field in kB, or -1. */
    private static long statusKb(String field) {
        return procFieldKb(Path.of("/proc/self/status"), field);
    }

    private static long procFieldKb(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Room under the memory limits of the cgroups {@code procCgroup} names (its own group's and every ancestor's,
     * the tightest; cgroup v2 under {@code root}, v1 under {@code root/memory}): a limit less what its group uses,
     * not counting the group's file cache (which the kernel reclaims before killing anything); -1 without a limit.
     * A level whose files cannot be read is skipped, not the limits found elsewhere.
     */
    static long cgroupRoom(Path procCgroup, Path root) {
        List<String> lines;
        try {
            lines = Files.readAllLines(procCgroup);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        long room = -1;
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                room = tighter(room, groupRoom(root, f[2], "memory.max", "memory.current", "file "));
            } else if (Arrays.asList(f[1].split(",")).contains("memory")) {
                room = tighter(room, groupRoom(root.resolve("memory"), f[2], "memory.limit_in_bytes",
                        "memory.usage_in_bytes", "total_cache "));
            }
        }
        return room;
    }

    /** The smaller of two sizes where -1 means "none". */
    private static long tighter(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** The tightest room along the group's path up to {@code root}; -1 when no level has a limit. */
    private static long groupRoom(Path root, String group, String limitFile, String usageFile, String cacheKey) {
        long room = -1;
        Path leaf = root.resolve(group.replaceFirst("^/", "")).normalize();
        // a group outside this namespace's root ("/../x") shows as the root itself
        for (Path dir = leaf.startsWith(root) ? leaf : root; dir != null && dir.startsWith(root);
                dir = dir.getParent()) {
            try {
                Path limitPath = dir.resolve(limitFile);
                if (!Files.isReadable(limitPath)) {
                    continue;
                }
                String limit = Files.readString(limitPath).strip();
                // v2 says "max"; v1 says a number near 2^63 for no limit
                if (limit.equals("max") || Long.parseLong(limit) >= Long.MAX_VALUE / 2) {
                    continue;
                }
                long used = Long.parseLong(Files.readString(dir.resolve(usageFile)).strip());
                long cache = 0;
                for (String stat : Files.readAllLines(dir.resolve("memory.stat"))) {
                    if (stat.startsWith(cacheKey)) {
                        cache = Long.parseLong(stat.substring(cacheKey.length()).strip());
                    }
                }
                room = tighter(room, Math.max(0, Long.parseLong(limit) - (used - cache)));
            } catch (IOException | RuntimeException e) {
                // this level cannot be read: the others still count
            }
        }
        return room;
    }

    /** Resident set size in bytes (Linux {@code /proc/self/status}), or -1 where unavailable. */
    public static long residentBytes() {
        long kb = statusKb("VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }
}
