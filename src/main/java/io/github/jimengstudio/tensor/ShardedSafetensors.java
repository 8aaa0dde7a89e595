package io.github.jimengstudio.tensor;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files, as Hugging Face saves large models: a
 * {@code *.safetensors.index.json} of the form {@code {"metadata": {...}, "weight_map": {tensor: shard file}}}
 * beside the shards. Every shard is opened and its header validated up front; tensors are then mapped lazily from
 * whichever shard holds them. The index must agree with the shards:
 * <ul>
 *   <li>a shard file the index names must exist (it is a plain file name in the index's folder, as diffusers
 *       requires; paths are refused);</li>
 *   <li>every tensor in {@code weight_map} must be in the shard it names;</li>
 *   <li>no tensor may be in two shards.</li>
 * </ul>
 * A tensor found in a shard but missing from {@code weight_map} is <em>kept and exposed</em>: the Hugging Face
 * loaders read whole shard files ({@code safetensors.torch.load_file}, then every key that matches a parameter is
 * assigned — diffusers {@code load_model_dict_into_meta}), so such a tensor is loaded there too, and the network
 * loaders' own check for unexpected keys then reports it as it would any other extra key.
 */
public final class ShardedSafetensors implements WeightSource {

    private final Path index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardOf;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path index, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardOf,
            Map<String, String> metadata) {
        this.index = index;
        this.shards = shards;
        this.shardOf = shardOf;
        this.metadata = metadata;
    }

    /** Opens an index file and every shard it names, validating all of them. */
    public static ShardedSafetensors open(Path indexFile) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, String> weightMap = readIndex(indexFile, metadata);
        Path folder = indexFile.toAbsolutePath().getParent();

        Map<String, String> firstTensorOf = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> firstTensorOf.putIfAbsent(shard, tensor));
        List<String> missing = new ArrayList<>();
        for (String shard : firstTensorOf.keySet()) {
            String kind = FileKind.notOrdinary(folder.resolve(shard));
            if (FileKind.NOT_FOUND.equals(kind)) {
                missing.add(shard);
            } else if (kind != null) {
                throw new WeightFileException(indexFile, firstTensorOf.get(shard), "the index names shard " + shard
                        + ", which is " + kind + " in " + folder + "; a shard must be an ordinary file");
            }
        }
        if (!missing.isEmpty()) {
            throw new WeightFileException(indexFile, firstTensorOf.get(missing.get(0)), "the index names shard "
                    + (missing.size() == 1 ? "file " : "files ") + String.join(", ", missing) + ", not found in "
                    + folder + " (an interrupted download? fetch the missing shards again)");
        }

        List<SafetensorsFile> shards = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
            for (String shard : firstTensorOf.keySet()) {
                SafetensorsFile f = SafetensorsFile.open(folder.resolve(shard));
                shards.add(f);
                byFile.put(shard, f);
            }
            Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile f = byFile.get(e.getValue());
                if (!f.contains(e.getKey())) {
                    throw new WeightFileException(indexFile, e.getKey(), "the index places it in " + e.getValue()
                            + ", but that shard does not contain it (index and shards are from different "
                            + "versions?)");
                }
                shardOf.put(e.getKey(), f);
            }
            for (SafetensorsFile f : shards) {
                for (String name : f.names()) {
                    SafetensorsFile other = shardOf.get(name);
                    if (other != null && other != f) {
                        throw new WeightFileException(indexFile, name, "is in two shards, "
                                + other.path().getFileName() + " and " + f.path().getFileName()
                                + ": which one is meant is ambiguous");
                    }
                    shardOf.putIfAbsent(name, f); // not in weight_map: kept (see the class comment)
                }
            }
            return new ShardedSafetensors(indexFile, List.copyOf(shards), Collections.unmodifiableMap(shardOf),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : shards) {
                f.close();
            }
            throw e;
        }
    }

    private static Map<String, String> readIndex(Path indexFile, Map<String, String> metadata) throws IOException {
        String kind = FileKind.notOrdinary(indexFile);
        if (kind != null && !kind.equals(FileKind.NOT_FOUND)) {
            throw new WeightFileException(indexFile, null, "index is " + kind);
        }
        long size;
        try {
            size = Files.size(indexFile);
        } catch (NoSuchFileException e) {
            throw new WeightFileException(indexFile, null, "index file not found");
        }
        if (size > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new WeightFileException(indexFile, null, "index file is " + size + " bytes, more than the "
                    + SafetensorsFile.MAX_HEADER_BYTES + " accepted: not a safetensors index");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(indexFile);
        } catch (IOException e) {
            throw new WeightFileException(indexFile, null, "index cannot be read: " + e, e);
        }
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new WeightFileException(indexFile, null, "index is not valid UTF-8");
        }
        String shape = JsonLimits.shapeProblem(json, SafetensorsFile.MAX_HEADER_BYTES);
        if (shape != null) {
            throw new WeightFileException(indexFile, null, "index " + shape);
        }
        Map<String, String> weightMap = null;
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setLenient(false);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new WeightFileException(indexFile, null, "index is not a JSON object");
            }
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (key.equals("weight_map")) {
                    weightMap = readWeightMap(indexFile, r);
                } else if (key.equals("metadata") && r.peek() == JsonToken.BEGIN_OBJECT) {
                    readMetadata(r, metadata);
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            if (!JsonLimits.atEnd(r)) {
                throw new WeightFileException(indexFile, null, "trailing content after the index's JSON object");
            }
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new WeightFileException(indexFile, null, "index is not valid JSON (" + JsonLimits.problem(e) + ")");
        }
        if (weightMap == null) {
            throw new WeightFileException(indexFile, null, "index has no \"weight_map\" object");
        }
        if (weightMap.isEmpty()) {
            throw new WeightFileException(indexFile, null, "index \"weight_map\" lists no tensors");
        }
        return weightMap;
    }

    private static Map<String, String> readWeightMap(Path indexFile, JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new WeightFileException(indexFile, null, "index \"weight_map\" is not an object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
            String tensor = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new WeightFileException(indexFile, tensor, "weight_map value is not a file name");
            }
            String shard = r.nextString();
            if (tensor.isEmpty()) {
                throw new WeightFileException(indexFile, tensor, "empty tensor name in weight_map");
            }
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".")
                    || shard.equals("..") || shard.indexOf('\0') >= 0) {
                throw new WeightFileException(indexFile, tensor, "shard '" + shard + "' is not a plain file name "
                        + "in the index's folder");
            }
            try {
                Path.of(shard);
            } catch (InvalidPathException e) {
                throw new WeightFileException(indexFile, tensor, "shard '" + shard + "' cannot be a file name here ("
                        + e.getReason() + ")");
            }
            if (map.put(tensor, shard) != null) {
                throw new WeightFileException(indexFile, tensor, "listed twice in weight_map");
            }
        }
        r.endObject();
        return map;
    }

    /** Index metadata values are usually numbers ({@code total_size}); they are kept as their JSON text. */
    private static void readMetadata(JsonReader r, Map<String, String> metadata) throws IOException {
        Gson gson = new Gson();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            JsonElement value = gson.getAdapter(JsonElement.class).read(r);
            metadata.put(key, value.isJsonPrimitive() ? value.getAsString() : value.toString());
        }
        r.endObject();
    }

    public Path indexFile() {
        return index;
    }

    /** The shard files, in the order the index first names them. */
    public List<Path> shardFiles() {
        return shards.stream().map(SafetensorsFile::path).toList();
    }

    /** The shard that holds {@code name}. */
    public Path shardOf(String name) throws WeightFileException {
        return shard(name).path();
    }

    private SafetensorsFile shard(String name) throws WeightFileException {
        SafetensorsFile f = shardOf.get(name);
        if (f == null) {
            throw new WeightFileException(index, name, "not in this checkpoint");
        }
        return f;
    }

    /** The index's {@code metadata} (e.g. {@code total_size}), values as text. */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    @Override
    public TensorInfo info(String name) throws WeightFileException {
        return shard(name).info(name);
    }

    @Override
    public ByteBuffer data(String name) throws IOException {
        return shard(name).data(name);
    }

    @Override
    public String origin() {
        return index.toString();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : shards) {
            try {
                f.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "ShardedSafetensors[" + index + ", " + shards.size() + " shards, " + shardOf.size() + " tensors]";
    }
}
