package io.github.jimengstudio.runtime;

/**
 * Host memory is too short for what was about to be allocated, found out before the allocation: on Linux an
 * allocation past the machine's memory does not fail, the OOM killer ends the whole process (Fiji, with every
 * unsaved image), so the engine refuses first. Nothing was lost; the message says what would fit.
 */
public class InsufficientMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long neededBytes;
    private final long availableBytes;

    public InsufficientMemoryException(String message, long neededBytes, long availableBytes) {
        super(message);
        this.neededBytes = neededBytes;
        this.availableBytes = availableBytes;
    }

    /** The same shortage, told with more context (which network, what to change) by a caller that knows it. */
    public InsufficientMemoryException(String message, InsufficientMemoryException cause) {
        super(message, cause);
        this.neededBytes = cause.neededBytes;
        this.availableBytes = cause.availableBytes;
    }

    /** What the refused allocation (or load) needed, in bytes; -1 when libtorch itself ran out. */
    public long neededBytes() {
        return neededBytes;
    }

    /** What was available for it, the reserve already taken off, in bytes; -1 when unknown. */
    public long availableBytes() {
        return availableBytes;
    }

    /**
     * The shortage a libtorch error reports, when it is one ("DefaultCPUAllocator: can't allocate memory", "CUDA out
     * of memory" anywhere in the cause chain), told for a user with {@code advice}; null for any other error.
     */
    public static InsufficientMemoryException fromNative(Throwable error, String advice) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InsufficientMemoryException e) {
                return e;
            }
            // a TorchScript call reports "The following operation failed ..." first and the cause lines below
            for (String line : String.valueOf(t.getMessage()).lines().toList()) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.contains("allocate memory") || lower.contains("not enough memory")
                        || lower.contains("out of memory")) {
                    // "[enforce fail at alloc_cpu.cpp:119] err == 0. DefaultCPUAllocator: can't allocate memory: ..."
                    String what = line.strip().replaceFirst("^RuntimeError:\\s*", "")
                            .replaceFirst("\\[enforce fail[^]]*]\\s*[^.]*\\.\\s*", "");
                    InsufficientMemoryException e = new InsufficientMemoryException("libtorch ran out of memory ("
                            + what + "). " + advice, -1, -1);
                    e.initCause(error);
                    return e;
                }
            }
        }
        return null;
    }

    /** "12.3 GB" or "240 MB", for messages. */
    public static String sizeText(long bytes) {
        // below a megabyte in kB or bytes: "needs 0 MB and 0 MB is free" told nothing
        return bytes >= 1_000_000_000L ? String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1e9)
                : bytes >= 1_000_000L ? String.format(java.util.Locale.ROOT, "%d MB", Math.round(bytes / 1e6))
                : bytes >= 1_000L ? String.format(java.util.Locale.ROOT, "%d kB", Math.round(bytes / 1e3))
                : bytes + " bytes";
    }
}
