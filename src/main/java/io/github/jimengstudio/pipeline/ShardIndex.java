package io.github.jimengstudio.pipeline;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Presence check of the shards a {@code *.safetensors.index.json} names. Only the file names in {@code weight_map}
 * are read here; the tensor layer's index reader validates headers and tensor-to-shard consistency when the
 * weights are opened.
 */
final class ShardIndex {
    private ShardIndex() {}

    /** The distinct shard files the index names, in name order; null after recording problems. */
    static List<Path> shards(Path index, Findings findings) {
        JsonObject json = FileChecks.readJsonObject(index, findings);
        if (json == null) {
            return null;
        }
        JsonElement map = json.get("weight_map");
        if (map == null || !map.isJsonObject() || map.getAsJsonObject().size() == 0) {
            findings.problem(index + ": has no weight_map (or an empty one), so it names no shards; download it again");
            return null;
        }
        TreeSet<String> names = new TreeSet<>();
        boolean ok = true;
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            String name = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() ? v.getAsString() : null;
            if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".")
                    || name.equals("..")) {
                // A shard is always a plain file beside its index; anything else could point outside the model.
                findings.problem(index + ": tensor '" + e.getKey() + "' maps to " + v
                        + ", which is not a shard file name beside the index");
                ok = false;
            } else {
                names.add(name);
            }
        }
        List<Path> shards = new ArrayList<>();
        Path dir = index.getParent();
        for (String name : names) {
            Path shard = dir.resolve(name);
            String problem = FileChecks.fileProblem(shard);
            if (problem != null) {
                findings.problem(index + ": names shard " + name + ", which is "
                        + (problem.equals("missing") ? "missing" : "not usable: it " + problem));
                ok = false;
            }
            shards.add(shard);
        }
        return ok ? shards : null;
    }
}
