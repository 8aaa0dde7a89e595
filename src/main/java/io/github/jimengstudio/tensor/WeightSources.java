package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Opens the weights of one model component, however they are laid out on disk. */
public final class WeightSources {
    private WeightSources() {}

    static final String INDEX_SUFFIX = ".safetensors.index.json";
    static final String FILE_SUFFIX = ".safetensors";

    /**
     * Opens {@code path} as a weight source:
     * <ul>
     *   <li>a {@code *.safetensors.index.json} file: a sharded checkpoint ({@link ShardedSafetensors});</li>
     *   <li>any other file: a single safetensors file ({@link SafetensorsFile}); pickle ({@code .bin}, {@code .pt},
     *       {@code .ckpt}) and GGUF files are refused by name;</li>
     *   <li>a folder (such as a diffusers component folder, {@code transformer/}): the one index file in it, or, if
     *       it has none, the one {@code .safetensors} file in it. Several candidates are refused by name, since
     *       guessing could load the wrong weights (a variant such as {@code .fp16}, or a stray copy).</li>
     * </ul>
     */
    public static WeightSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return openFolder(path);
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (name.matches("(?i).*\\.(bin|pt|pth|ckpt|pkl)(\\.index\\.json)?")) {
            throw new WeightFileException(path, null, "is a PyTorch pickle checkpoint; only .safetensors weights "
                    + "are read (pickles can run code when loaded). Use the model's .safetensors files");
        }
        if (name.endsWith(".gguf")) {
            throw new WeightFileException(path, null, "is a GGUF file; only .safetensors weights are read");
        }
        if (name.endsWith(".index.json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    private static WeightSource openFolder(Path folder) throws IOException {
        List<Path> indexes = list(folder, INDEX_SUFFIX);
        if (indexes.size() == 1) {
            return ShardedSafetensors.open(indexes.get(0));
        }
        if (indexes.size() > 1) {
            throw new WeightFileException(folder, null, "holds several checkpoint indexes (" + names(indexes)
                    + "); name the one to load");
        }
        List<Path> files = list(folder, FILE_SUFFIX);
        if (files.size() == 1) {
            return SafetensorsFile.open(files.get(0));
        }
        if (files.isEmpty()) {
            throw new WeightFileException(folder, null, "holds no .safetensors file and no " + INDEX_SUFFIX
                    + " (wrong folder, or the download has not finished?)");
        }
        boolean shardNames = files.stream()
                .anyMatch(p -> p.getFileName().toString().matches(".*-\\d+-of-\\d+\\.safetensors"));
        throw new WeightFileException(folder, null, "holds several .safetensors files (" + names(files) + ") and no "
                + INDEX_SUFFIX + (shardNames ? ": the shards' index file is missing" : "; name the one to load"));
    }

    private static List<Path> list(Path folder, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /**
     * Refuses a count read from a config file (layers, blocks) that {@code source} cannot possibly hold, before
     * anything is built for it: each of the {@code count} parts needs at least {@code tensorsEach} tensors. A
     * config's {@code n_layers: 1000000000} otherwise built a table of expected names for a billion layers
     * (minutes, gigabytes, then an OutOfMemoryError) only to report them missing. A count up to twice what fits
     * (plus a few) is left to the caller's exact check, which names the missing tensors; what it builds then stays
     * within a small multiple of the checkpoint's own header.
     */
    public static void checkCount(WeightSource source, String what, long count, int tensorsEach)
            throws WeightFileException {
        long room = source.names().size() / Math.max(1, tensorsEach);
        if (count > 2 * room + 8) {
            throw new WeightFileException(source.origin(), null, "the config asks for " + count + " " + what
                    + ", but these weights hold only " + source.names().size() + " tensors, room for at most " + room
                    + " (" + tensorsEach + " tensors each): the config does not belong to these weights");
        }
    }

    private static String names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "));
    }
}
