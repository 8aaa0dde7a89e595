package io.github.jimengstudio.lora;

import java.util.List;

/** What a rescan of the LoRA folder found different, by LoRA name. */
public record LibraryChanges(List<String> added, List<String> removed, List<String> changed) {

    public LibraryChanges {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }
}
