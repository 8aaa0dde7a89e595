package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Another weight source seen under different names, so that a network always loads its canonical (diffusers)
 * names whatever layout the file uses: ComfyUI/LDM single files, key prefixes such as
 * {@code model.diffusion_model.}. Besides renaming, an exposed tensor may be a range of rows (first-axis slice) of
 * a source tensor — ComfyUI's fused {@code attention.qkv.weight} holds q, k and v as consecutive row blocks — or the
 * same elements under another shape (an LDM 1x1 convolution {@code [C, C, 1, 1]} read as a linear {@code [C, C]}).
 * Both are byte ranges of the source tensor, so the view stays zero-copy. The tables themselves belong to the
 * network loaders; this class only applies them, and refuses two entries that would expose the same name.
 *
 * <p>Closing the view closes the source.
 */
public final class RenamedWeights implements WeightSource {

    private record View(String source, TensorInfo info, int byteOffset) {}

    private final WeightSource source;
    private final String origin;
    private final Map<String, View> views;

    private RenamedWeights(WeightSource source, String origin, Map<String, View> views) {
        this.source = source;
        this.origin = origin;
        this.views = views;
    }

    /**
     * Every source tensor under {@code rename.apply(name)}; a {@code null} result leaves that tensor out (for
     * tensors the model does not use, such as ComfyUI's {@code norm_final.weight}).
     */
    public static RenamedWeights map(WeightSource source, Function<String, String> rename) throws WeightFileException {
        Builder b = builder(source, "renamed");
        for (String name : source.names()) {
            String exposed = rename.apply(name);
            if (exposed != null) {
                b.rename(name, exposed);
            }
        }
        return b.build();
    }

    /**
     * The tensors whose names start with {@code prefix}, with the prefix removed; others are left out. Selects one
     * component of a checkpoint that bundles several ({@code model.diffusion_model.}, {@code vae.},
     * {@code text_encoders.}...).
     */
    public static RenamedWeights stripPrefix(WeightSource source, String prefix) throws WeightFileException {
        Builder b = builder(source, "without prefix '" + prefix + "'");
        for (String name : source.names()) {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                b.rename(name, name.substring(prefix.length()));
            }
        }
        return b.build();
    }

    /** An explicit table, entry by entry; {@code description} appears in messages ("ComfyUI names"). */
    public static Builder builder(WeightSource source, String description) {
        return new Builder(source, description);
    }

    /** Collects the entries of a renaming table; each is checked against the source when added. */
    public static final class Builder {
        private final WeightSource source;
        private final String origin;
        private final Map<String, View> views = new LinkedHashMap<>();

        private Builder(WeightSource source, String description) {
            this.source = source;
            this.origin = source.origin() + " [" + description + "]";
        }

        /** Exposes source tensor {@code from} as {@code to}. */
        public Builder rename(String from, String to) throws WeightFileException {
            TensorInfo t = source.info(from);
            return add(to, new View(from, new TensorInfo(to, t.dtype(), t.shape(), t.begin(), t.end()), 0));
        }

        /** Exposes rows {@code [start, start + count)} of source tensor {@code from} (first axis) as {@code to}. */
        public Builder rows(String from, long start, long count, String to) throws WeightFileException {
            TensorInfo t = source.info(from);
            if (t.rank() == 0) {
                throw new WeightFileException(source.origin(), from, "is a scalar; it has no rows to take for '"
                        + to + "'");
            }
            if (start < 0 || count < 0 || start + count > t.dim(0)) {
                throw new WeightFileException(source.origin(), from, "rows [" + start + ", " + (start + count)
                        + ") requested for '" + to + "', but shape is " + t.shapeString());
            }
            long rowBytes = t.dim(0) == 0 ? 0 : t.byteLength() / t.dim(0);
            long[] shape = t.shape();
            shape[0] = count;
            long begin = t.begin() + start * rowBytes;
            return add(to, new View(from, new TensorInfo(to, t.dtype(), shape, begin, begin + count * rowBytes),
                    Math.toIntExact(start * rowBytes)));
        }

        /** Exposes source tensor {@code from} as {@code to} with the same elements in another shape. */
        public Builder reshape(String from, String to, long... shape) throws WeightFileException {
            TensorInfo t = source.info(from);
            long numel = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new WeightFileException(source.origin(), from, "cannot be reshaped to "
                            + Arrays.toString(shape) + " for '" + to + "': negative dimension");
                }
                numel *= d;
            }
            if (numel != t.numel()) {
                throw new WeightFileException(source.origin(), from, "has shape " + t.shapeString() + " ("
                        + t.numel() + " elements); it cannot be seen as " + Arrays.toString(shape) + " for '"
                        + to + "'");
            }
            return add(to, new View(from, new TensorInfo(to, t.dtype(), shape, t.begin(), t.end()), 0));
        }

        private Builder add(String to, View view) throws WeightFileException {
            if (to == null || to.isEmpty()) {
                throw new WeightFileException(origin, view.source, "is mapped to an empty name");
            }
            View clash = views.putIfAbsent(to, view);
            if (clash != null) {
                throw new WeightFileException(origin, to, "two source tensors map to this name: '" + clash.source
                        + "' and '" + view.source + "'");
            }
            return this;
        }

        public RenamedWeights build() {
            return new RenamedWeights(source, origin, Collections.unmodifiableMap(new LinkedHashMap<>(views)));
        }
    }

    /** The source tensor behind an exposed name (for messages and LoRA target matching). */
    public String sourceName(String name) throws WeightFileException {
        return view(name).source;
    }

    private View view(String name) throws WeightFileException {
        View v = views.get(name);
        if (v == null) {
            throw new WeightFileException(origin, name, "not among the renamed tensors");
        }
        return v;
    }

    @Override
    public Set<String> names() {
        return views.keySet();
    }

    @Override
    public TensorInfo info(String name) throws WeightFileException {
        return view(name).info;
    }

    @Override
    public ByteBuffer data(String name) throws IOException {
        View v = view(name);
        ByteBuffer whole = source.data(v.source);
        return whole.slice(v.byteOffset, Math.toIntExact(v.info.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public Map<String, String> metadata() {
        return source.metadata();
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    @Override
    public String toString() {
        return "RenamedWeights[" + origin + ", " + views.size() + " tensors]";
    }
}
