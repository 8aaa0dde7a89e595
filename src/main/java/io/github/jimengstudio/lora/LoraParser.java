package io.github.jimengstudio.lora;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a LoRA file into canonical adapters for one model, all or nothing. First every tensor name and shape is
 * checked against the model's target catalogue (header only); any tensor that maps to no weight, does not fit, or
 * is of a kind we do not apply rejects the whole file with the complete list. Only then are the factors read,
 * checked finite, alpha-folded (as diffusers folds it) and split onto the model's weights.
 */
public final class LoraParser {

    private final LoraTargets targets;
    private final LoraModuleMap modules;

    public LoraParser(LoraTargets targets) {
        this.targets = targets;
        this.modules = new LoraModuleMap(targets);
    }

    public LoraTargets targets() {
        return targets;
    }

    /**
     * Parses a LoRA file, honouring the PEFT adapter config in its header metadata when there is one.
     *
     * @param name the LoRA's name, for messages and the result
     * @throws LoraRejectedException naming every offending tensor when the LoRA does not fit this model
     */
    public Lora parse(String name, WeightSource weights) throws IOException {
        Map<String, String> metadata = weights.metadata();
        List<String> keys = new ArrayList<>(weights.names());
        Map<String, String> offending = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            throw new LoraRejectedException(name, 0, Map.of("(none)", "the file holds no tensors"), null);
        }
        PeftAdapterConfig config;
        try {
            config = PeftAdapterConfig.fromMetadata(metadata);
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
            throw new LoraRejectedException(name, keys.size(), Map.of(PeftAdapterConfig.METADATA_KEY,
                    "unreadable adapter config: " + e.getMessage()), null);
        }

        // 1. Names: group the factors of each module (any spelling of the same module lands in one group).
        Map<String, Module> groups = new LinkedHashMap<>();
        Set<String> adapterNames = new TreeSet<>();
        for (String k : keys) {
            LoraKey key = LoraKey.parse(k);
            if (key.role() == LoraKey.Role.UNSUPPORTED) {
                offending.put(k, key.problem());
                continue;
            }
            if (key.adapter() != null) {
                adapterNames.add(key.adapter());
            }
            groups.computeIfAbsent(LoraModuleMap.groupKey(key.module()), g -> new Module()).add(key);
        }
        if (adapterNames.size() > 1) {
            for (Module m : groups.values()) {
                m.keys().forEach(k -> offending.putIfAbsent(k, "the file holds several PEFT adapters "
                        + adapterNames + "; save one adapter per file"));
            }
        }

        // 2. Each module: a complete pair that maps onto the model and fits its shapes.
        List<String> unmapped = new ArrayList<>();
        for (Module m : groups.values()) {
            m.target = checkModule(m, weights, offending, unmapped);
        }
        List<Module> usable = dropRedundantFusedCopies(groups.values(), offending);
        List<String> notes = new ArrayList<>();
        if (usable.size() < countMapped(groups.values())) {
            notes.add("dropped fused qkv/out copies that repeat the separate to_q/to_k/to_v/to_out.0 updates");
        }
        if (config != null) {
            for (Module m : usable) {
                int fileRank = (int) m.down.dim(0);
                int configRank = config.rankOf(LoraModuleMap.stripPrefix(m.downKey.module()));
                if (configRank != fileRank) {
                    offending.put(m.downKey.key(), "the adapter config says rank " + configRank
                            + " but the tensor has rank " + fileRank);
                }
            }
        }
        if (!offending.isEmpty()) {
            String cause = ForeignLoraHint.forKeys(unmapped).orElse(null);
            if (cause == null && !unmapped.isEmpty() && unmapped.size() == offending.size()) {
                cause = "its module names are not Z-Image's (layers.N / noise_refiner.N / context_refiner.N "
                        + "attention and feed_forward)";
            }
            throw new LoraRejectedException(name, keys.size(), offending, cause);
        }

        // 3. Values: read, check finite, fold alpha, split onto the targets.
        List<LoraAdapter> adapters = new ArrayList<>();
        Map<String, String> nonFinite = new LinkedHashMap<>();
        for (Module m : usable) {
            float[] down = readFinite(weights, m.downKey.key(), nonFinite);
            float[] up = readFinite(weights, m.upKey.key(), nonFinite);
            AlphaFold fold = AlphaFold.NONE;
            int rank = (int) m.down.dim(0);
            if (m.alphaKey != null) {
                float[] alpha = readFinite(weights, m.alphaKey.key(), nonFinite);
                if (alpha.length == 1 && alpha[0] < 0) {
                    nonFinite.put(m.alphaKey.key(), "alpha " + alpha[0] + " is negative");
                } else if (alpha.length == 1 && Float.isFinite(alpha[0])) {
                    fold = AlphaFold.of(alpha[0], rank);
                }
            }
            if (!nonFinite.isEmpty()) {
                continue;
            }
            double scale = config == null ? 1.0 : config.scaleOf(LoraModuleMap.stripPrefix(m.downKey.module()));
            adapters.addAll(split(m, rank, fold.applyDown(down), fold.applyUp(up), scale));
        }
        if (!nonFinite.isEmpty()) {
            throw new LoraRejectedException(name, keys.size(), nonFinite,
                    "the file's values are corrupt (NaN/Inf would turn the image black)");
        }
        adapters.sort(Comparator.comparing(LoraAdapter::target));
        return new Lora(name, LoraFormat.detect(keys), adapters, notes);
    }

    /** The down/up/alpha tensors found for one module. */
    private static final class Module {
        LoraKey downKey;
        LoraKey upKey;
        LoraKey alphaKey;
        final List<String> duplicates = new ArrayList<>();
        TensorInfo down;
        TensorInfo up;
        LoraModuleMap.Target target;

        void add(LoraKey key) {
            LoraKey previous = switch (key.role()) {
                case DOWN -> downKey;
                case UP -> upKey;
                default -> alphaKey;
            };
            if (previous != null) {
                duplicates.add(key.key());
                return;
            }
            switch (key.role()) {
                case DOWN -> downKey = key;
                case UP -> upKey = key;
                default -> alphaKey = key;
            }
        }

        List<String> keys() {
            List<String> k = new ArrayList<>();
            for (LoraKey key : new LoraKey[] {downKey, upKey, alphaKey}) {
                if (key != null) {
                    k.add(key.key());
                }
            }
            k.addAll(duplicates);
            return k;
        }
    }

    /** Validates one module's names and shapes; returns its target, or null after recording what is wrong. */
    private LoraModuleMap.Target checkModule(Module m, WeightSource weights, Map<String, String> offending,
            List<String> unmapped) throws IOException {
        for (String d : m.duplicates) {
            offending.put(d, "a second copy of the same factor (the file repeats this module under another "
                    + "spelling)");
        }
        if (m.downKey == null || m.upKey == null) {
            String what = m.downKey == null && m.upKey == null ? "an alpha without its down/up factors"
                    : m.downKey == null ? "an up (B) factor without its down (A) factor"
                    : "a down (A) factor without its up (B) factor";
            m.keys().forEach(k -> offending.putIfAbsent(k, what));
            return null;
        }
        LoraModuleMap.Target target = modules.resolve(m.downKey.module());
        if (target == null) {
            for (String k : m.keys()) {
                offending.putIfAbsent(k, "maps to no weight of this model");
                unmapped.add(k);
            }
            return null;
        }
        m.down = weights.info(m.downKey.key());
        m.up = weights.info(m.upKey.key());
        String problem = shapeProblem(m, target, m.alphaKey == null ? null : weights.info(m.alphaKey.key()));
        if (problem != null) {
            m.keys().forEach(k -> offending.putIfAbsent(k, problem));
            return null;
        }
        return m.duplicates.isEmpty() ? target : null;
    }

    private String shapeProblem(Module m, LoraModuleMap.Target target, TensorInfo alpha) {
        for (TensorInfo t : alpha == null ? List.of(m.down, m.up) : List.of(m.down, m.up, alpha)) {
            if (t.dtype() == DType.I64) {
                return t.name() + " is an integer tensor, not LoRA factors";
            }
        }
        if (alpha != null && alpha.numel() != 1) {
            return "alpha has shape " + alpha.shapeString() + ", not a single value";
        }
        if (m.down.rank() != 2 || m.up.rank() != 2) {
            return "factors of shape " + m.down.shapeString() + " / " + m.up.shapeString()
                    + " are not matrices (a convolution LoRA?)";
        }
        long rank = m.down.dim(0);
        if (rank == 0 || m.up.dim(1) != rank) {
            return "down " + m.down.shapeString() + " and up " + m.up.shapeString() + " disagree on the rank";
        }
        long out = 0;
        long in = targets.inFeatures(target.weights().get(0));
        for (String w : target.weights()) {
            out += targets.outFeatures(w);
        }
        if (m.down.dim(1) != in || m.up.dim(0) != out) {
            return "update of shape [" + m.up.dim(0) + ", " + m.down.dim(1) + "] does not fit "
                    + String.join(" + ", target.weights()) + " [" + out + ", " + in + "]"
                    + " (a LoRA for a model of another size?)";
        }
        return null;
    }

    /**
     * When a file carries the same update twice, fused ({@code attention.qkv}, {@code attention.out}) and separate
     * ({@code to_q/to_k/to_v}, {@code to_out.0}) — the dot variant does — the fused copy is dropped, as diffusers
     * drops it. Any other overlap is ambiguous and refused.
     */
    private static List<Module> dropRedundantFusedCopies(Iterable<Module> modules, Map<String, String> offending) {
        Map<String, List<Module>> byWeight = new LinkedHashMap<>();
        for (Module m : modules) {
            if (m.target != null) {
                for (String w : m.target.weights()) {
                    byWeight.computeIfAbsent(w, x -> new ArrayList<>()).add(m);
                }
            }
        }
        Set<String> separatelyCovered = new LinkedHashSet<>();
        byWeight.forEach((w, list) -> {
            if (list.stream().anyMatch(m -> !m.target.nativeAlias())) {
                separatelyCovered.add(w);
            }
        });
        List<Module> kept = new ArrayList<>();
        for (Module m : modules) {
            if (m.target == null) {
                continue;
            }
            if (m.target.nativeAlias() && separatelyCovered.containsAll(m.target.weights())) {
                continue;
            }
            kept.add(m);
        }
        Map<String, Module> owner = new LinkedHashMap<>();
        for (Module m : kept) {
            for (String w : m.target.weights()) {
                Module first = owner.putIfAbsent(w, m);
                if (first != null) {
                    for (String k : m.keys()) {
                        offending.putIfAbsent(k, "patches " + w + ", which " + first.downKey.key()
                                + " already patches");
                    }
                }
            }
        }
        return kept;
    }

    private static int countMapped(Iterable<Module> modules) {
        int n = 0;
        for (Module m : modules) {
            n += m.target != null ? 1 : 0;
        }
        return n;
    }

    private static float[] readFinite(WeightSource weights, String key, Map<String, String> nonFinite)
            throws IOException {
        float[] v = weights.floats(key);
        for (float x : v) {
            if (!Float.isFinite(x)) {
                nonFinite.put(key, "holds NaN or infinite values");
                break;
            }
        }
        return v;
    }

    /**
     * The module's update as one adapter per target weight. A fused q/k/v update is split by rows of B (A is
     * shared), then rank terms that are exactly zero for a target are dropped, so a block-diagonal qkv update
     * costs no more than three separate ones.
     */
    private List<LoraAdapter> split(Module m, int rank, float[] a, float[] b, double scale) {
        List<String> weightsOut = m.target.weights();
        int in = (int) m.down.dim(1);
        List<LoraAdapter> out = new ArrayList<>();
        int row = 0;
        for (String w : weightsOut) {
            int rows = (int) targets.outFeatures(w);
            float[] part = weightsOut.size() == 1 ? b : Arrays.copyOfRange(b, row * rank, (row + rows) * rank);
            LoraAdapter adapter = new LoraAdapter(w, rank, in, rows, a, part, scale).withoutZeroTerms();
            if (adapter.rank() > 0) {
                out.add(adapter);
            }
            row += rows;
        }
        return out;
    }
}
