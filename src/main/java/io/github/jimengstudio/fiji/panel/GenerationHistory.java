package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.GenerationRecord;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The last few generations, newest first, each with a small thumbnail; the oldest is dropped beyond the capacity.
 * Given a folder, the history survives restarts: each generation is kept there as its record
 * ({@code <n>.json}, the same JSON as the image's provenance) and its thumbnail ({@code <n>.png}), and the files of
 * dropped generations are deleted, so the folder stays as small as the history. Files that cannot be read (from a
 * newer version, or damaged) are skipped, never fatal.
 */
public final class GenerationHistory {
    public static final int DEFAULT_CAPACITY = 20;
    /** The longer side of a thumbnail, in pixels. */
    static final int THUMBNAIL = 48;
    /** A record file larger than this is not ours (records are a few kB). */
    private static final long MAX_RECORD_BYTES = 1 << 20;

    /** One generation: its record, its thumbnail (may be null), and the number its files carry (0 in memory). */
    record Entry(GenerationRecord record, BufferedImage thumbnail, long number) {}

    private final int capacity;
    private final Path folder;
    private final Deque<Entry> entries = new ArrayDeque<>();
    /** The highest file number in the folder, readable or not: new files never replace an unread one. */
    private long lastNumber;

    /** A history kept in memory only. */
    public GenerationHistory(int capacity) {
        this(capacity, null);
    }

    /** A history kept in {@code folder} (null: in memory only), with what the folder already holds. */
    public GenerationHistory(int capacity, Path folder) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a history holds at least one record, got capacity " + capacity);
        }
        this.capacity = capacity;
        this.folder = folder;
        if (folder != null) {
            load();
        }
    }

    /**
     * Where the Studio panel keeps its history in Fiji: beside ImageJ's own preferences ({@code ~/.imagej} on
     * Linux), so it belongs to the user, not to one Fiji installation.
     */
    public static Path defaultFolder() {
        return Path.of(ij.Prefs.getPrefsDir(), "jimeng-studio", "history");
    }

    public void add(GenerationRecord record) {
        add(record, null);
    }

    /** Adds a generation with its picture ({@code image} may be null), saving both when the history has a folder. */
    public void add(GenerationRecord record, BufferedImage image) {
        BufferedImage thumbnail = image == null ? null : thumbnail(image);
        long number = ++lastNumber;
        if (folder != null) {
            try {
                Files.createDirectories(folder);
                Files.writeString(folder.resolve(number + ".json"), record.toJson());
                if (thumbnail != null) {
                    ImageIO.write(thumbnail, "png", folder.resolve(number + ".png").toFile());
                }
            } catch (IOException | RuntimeException e) {
                // the history is a convenience: a full disk must not fail the generation it records
            }
        }
        entries.addFirst(new Entry(record, thumbnail, number));
        while (entries.size() > capacity) {
            delete(entries.removeLast());
        }
    }

    /** Newest first. */
    public List<GenerationRecord> records() {
        return entries.stream().map(Entry::record).toList();
    }

    /** Newest first, with thumbnails. */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    private void load() {
        List<Entry> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.filter(f -> f.getFileName().toString().matches("\\d{1,18}\\.json")).toList()) {
                long number = Long.parseLong(p.getFileName().toString().replace(".json", ""));
                lastNumber = Math.max(lastNumber, number);
                try {
                    if (!Files.isRegularFile(p) || Files.size(p) > MAX_RECORD_BYTES) {
                        continue;
                    }
                    GenerationRecord record = GenerationRecord.fromJson(Files.readString(p, StandardCharsets.UTF_8));
                    found.add(new Entry(record, readThumbnail(folder.resolve(number + ".png")), number));
                } catch (IOException | RuntimeException e) {
                    // unreadable: skipped, and left for the user to look at
                }
            }
        } catch (IOException e) {
            return; // no folder yet, or not readable: an empty history
        }
        found.sort(Comparator.comparingLong(Entry::number).reversed());
        for (Entry e : found) {
            if (entries.size() < capacity) {
                entries.addLast(e);
            } else {
                delete(e);
            }
        }
    }

    private static BufferedImage readThumbnail(Path png) {
        try {
            return Files.isRegularFile(png) && Files.size(png) < MAX_RECORD_BYTES ? ImageIO.read(png.toFile()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void delete(Entry e) {
        if (folder == null) {
            return;
        }
        try {
            Files.deleteIfExists(folder.resolve(e.number() + ".json"));
            Files.deleteIfExists(folder.resolve(e.number() + ".png"));
        } catch (IOException ignored) {
            // a file left behind is dropped again at the next start
        }
    }

    /** {@code image} scaled to fit {@value #THUMBNAIL} pixels, keeping its aspect. */
    static BufferedImage thumbnail(BufferedImage image) {
        double scale = Math.min(1.0, (double) THUMBNAIL / Math.max(image.getWidth(), image.getHeight()));
        int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = t.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, w, h, null);
        g.dispose();
        return t;
    }
}
