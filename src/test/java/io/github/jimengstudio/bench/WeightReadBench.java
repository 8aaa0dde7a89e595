package io.github.jimengstudio.bench;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Reading weights from the page cache. Writes two synthetic 1 GiB files to /tmp (streamed through
 * {@link SafetensorsWriter}): 64 F32 tensors [2048, 2048] and 128 BF16 tensors [2048, 2048]. Then, with both files
 * in the page cache, and each repetition opening the file afresh:
 * <ol>
 *   <li>F32 zero-copy: map every tensor and read every byte through the mapping;</li>
 *   <li>BF16 widened to float32 while loading ({@code readFloats}) into one reused 16 MiB direct buffer, as the
 *       runtime does into tensor memory;</li>
 *   <li>BF16 through {@code floats()} into a new float[] per tensor (the convenience path).</li>
 * </ol>
 * Prints GB/s (10^9 bytes of file data per second) and the process's peak RSS per repetition (VmHWM, reset
 * through /proc/self/clear_refs) against the file size, and how far anonymous memory (RssAnon) rose. Run with a small heap (-Xmx256m) to show that no
 * copy of the file is held on the heap. Deletes the files at the end.
 */
public final class WeightReadBench {
    private WeightReadBench() {}

    private static final int SIDE = 2048;
    private static final long TENSOR_ELEMENTS = (long) SIDE * SIDE;

    public static void main(String[] args) throws Exception {
        long fileBytes = args.length > 0 ? Long.parseLong(args[0]) << 20 : 1L << 30;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jimeng-weight-bench");
        Path f32 = dir.resolve("f32.safetensors");
        Path bf16 = dir.resolve("bf16.safetensors");
        try {
            long t0 = System.nanoTime();
            write(f32, DType.F32, (int) (fileBytes / (4 * TENSOR_ELEMENTS)));
            write(bf16, DType.BF16, (int) (fileBytes / (2 * TENSOR_ELEMENTS)));
            System.out.printf("wrote %s (%d bytes) and %s (%d bytes) in %.1f s; peak RSS while writing %s%n",
                    f32.getFileName(), Files.size(f32), bf16.getFileName(), Files.size(bf16),
                    (System.nanoTime() - t0) / 1e9, mib(status("VmHWM")));
            warmPageCache(f32);
            warmPageCache(bf16);

            phase("F32 mapped zero-copy, every byte read", f32, reps, WeightReadBench::mapAndTouch);
            ByteBuffer dst = ByteBuffer.allocateDirect((int) (4 * TENSOR_ELEMENTS)).order(ByteOrder.LITTLE_ENDIAN);
            phase("BF16 -> F32 readFloats into a reused direct buffer", bf16, reps, (f, a) -> widenInto(f, dst, a));
            phase("BF16 -> F32 floats() into a new float[] per tensor", bf16, reps, WeightReadBench::widenToArrays);
        } finally {
            Files.deleteIfExists(f32);
            Files.deleteIfExists(bf16);
            Files.deleteIfExists(dir);
        }
    }

    private interface Pass {
        double run(SafetensorsFile f, Runnable afterTensor) throws IOException;
    }

    /**
     * Timed repetitions, each on a freshly opened file after a GC (mappings are released only when their buffers
     * are collected, so without it every repetition's mapping would add to RSS). Then one untimed repetition
     * that samples RssAnon after every tensor: anonymous memory (heap, direct buffers) is where a second copy of
     * the weights would show; the mapped file pages themselves are RssFile, shared with the page cache.
     */
    private static void phase(String label, Path file, int reps, Pass pass) throws Exception {
        double[] gbs = new double[reps];
        double sink = 0;
        long peakOverBase = 0;
        boolean reset = true;
        long before = 0;
        for (int r = 0; r < reps; r++) {
            collectGarbage();
            reset &= resetPeakRss();
            before = status("VmRSS");
            long t = System.nanoTime();
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                sink += pass.run(f, () -> { });
            }
            gbs[r] = Files.size(file) / ((System.nanoTime() - t) / 1e9) / 1e9;
            peakOverBase = Math.max(peakOverBase, status("VmHWM") - before);
        }
        collectGarbage();
        long anonBefore = status("RssAnon");
        long[] anonPeak = {anonBefore};
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            sink += pass.run(f, () -> anonPeak[0] = Math.max(anonPeak[0], statusUnchecked("RssAnon")));
        }
        double[] sorted = gbs.clone();
        Arrays.sort(sorted);
        double size = Files.size(file);
        System.out.printf("%-52s best %.2f GB/s, median %.2f GB/s, first %.2f GB/s (%d reps)%n", label,
                sorted[reps - 1], sorted[reps / 2], gbs[0], reps);
        System.out.printf("%-52s peak RSS %s over the %s before = %.2f x file size%s; RssAnon %s -> peak %s"
                + " (+%.3f x file size) (sink %.1f)%n", "", mib(peakOverBase), mib(before), peakOverBase / size,
                reset ? "" : " (process peak: reset unsupported)", mib(anonBefore), mib(anonPeak[0]),
                (anonPeak[0] - anonBefore) / size, sink);
    }

    private static void collectGarbage() throws InterruptedException {
        System.gc(); // runs the cleaners that unmap collected mappings
        Thread.sleep(300);
    }

    /** Maps each tensor (zero-copy) and reads all of it: what handing the mapping to the engine costs at most. */
    private static double mapAndTouch(SafetensorsFile f, Runnable afterTensor) throws IOException {
        long acc = 0;
        for (String name : f.names()) {
            LongBuffer longs = f.data(name).asLongBuffer();
            for (int i = 0, n = longs.limit(); i < n; i++) {
                acc += longs.get(i);
            }
            afterTensor.run();
        }
        return acc;
    }

    private static double widenInto(SafetensorsFile f, ByteBuffer dst, Runnable afterTensor) throws IOException {
        double acc = 0;
        for (String name : f.names()) {
            dst.clear();
            f.readFloats(name, 0, dst);
            acc += dst.getFloat(4 * (name.length() % 1000));
            afterTensor.run();
        }
        return acc;
    }

    private static double widenToArrays(SafetensorsFile f, Runnable afterTensor) throws IOException {
        double acc = 0;
        for (String name : f.names()) {
            float[] v = f.floats(name);
            acc += v[name.length() % 1000];
            afterTensor.run();
        }
        return acc;
    }

    /** Streams pseudo-random tensors to disk in 1 MiB chunks; BF16 values are finite (exponent below 0xFF). */
    private static void write(Path file, DType dtype, int tensors) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        SplittableRandom random = new SplittableRandom(42);
        for (int t = 0; t < tensors; t++) {
            w.add(String.format("blocks.%03d.weight", t), dtype, new long[] {SIDE, SIDE}, out -> {
                ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                long[] longs = new long[chunk.capacity() / 8];
                for (long left = TENSOR_ELEMENTS * dtype.byteSize(); left > 0; left -= chunk.capacity()) {
                    for (int i = 0; i < longs.length; i++) {
                        longs[i] = random.nextLong() & 0xBFFF_BFFF_BFFF_BFFFL; // clears a high exponent bit
                    }
                    chunk.clear();
                    chunk.asLongBuffer().put(longs);
                    out.write(chunk);
                }
            });
        }
        w.write(file);
    }

    /** Reads the file through read(2) (not mapped), so its pages are cached without counting in our RSS. */
    private static void warmPageCache(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.clear();
            }
        }
    }

    private static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** A /proc/self/status field in bytes (VmHWM, VmRSS, RssAnon, RssFile), or -1 where there is none. */
    private static long status(String field) throws IOException {
        Path p = Path.of("/proc/self/status");
        if (!Files.exists(p)) {
            return -1;
        }
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    private static long statusUnchecked(String field) {
        try {
            return status(field);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%d MiB", bytes >> 20);
    }
}
