package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.GenerationRecord;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The last few generations of this panel, newest first; the oldest is dropped beyond the capacity. */
public final class GenerationHistory {
    public static final int DEFAULT_CAPACITY = 20;

    private final int capacity;
    private final Deque<GenerationRecord> records = new ArrayDeque<>();

    public GenerationHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a history holds at least one record, got capacity " + capacity);
        }
        this.capacity = capacity;
    }

    public void add(GenerationRecord record) {
        records.addFirst(record);
        while (records.size() > capacity) {
            records.removeLast();
        }
    }

    /** Newest first. */
    public List<GenerationRecord> records() {
        return List.copyOf(records);
    }
}
