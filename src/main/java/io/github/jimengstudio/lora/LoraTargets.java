package io.github.jimengstudio.lora;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The target catalogue: every Linear weight a LoRA may patch, by its canonical (diffusers) name, with its shape
 * {@code [out, in]}. The transformer provides it; a LoRA is checked against it before anything is applied.
 */
public final class LoraTargets {

    private final Map<String, long[]> shapes;

    private LoraTargets(Map<String, long[]> shapes) {
        this.shapes = shapes;
    }

    /**
     * A catalogue from explicit names and shapes.
     *
     * @throws IllegalArgumentException if a name does not end in {@code .weight} or a shape is not {@code [out, in]}
     */
    public static LoraTargets of(Map<String, long[]> shapes) {
        Map<String, long[]> copy = new TreeMap<>();
        shapes.forEach((name, shape) -> {
            if (!name.endsWith(".weight") || shape.length != 2 || shape[0] <= 0 || shape[1] <= 0) {
                throw new IllegalArgumentException("LoRA target '" + name + "' must be a Linear weight named "
                        + "*.weight with shape [out, in], got " + java.util.Arrays.toString(shape));
            }
            copy.put(name, shape.clone());
        });
        return new LoraTargets(Collections.unmodifiableMap(copy));
    }

    /** Every two-dimensional {@code *.weight} of a checkpoint (the Linear layers; pad tokens are not weights). */
    public static LoraTargets fromWeights(WeightSource weights) throws IOException {
        Map<String, long[]> shapes = new TreeMap<>();
        for (String name : weights.names()) {
            TensorInfo info = weights.info(name);
            if (name.endsWith(".weight") && info.rank() == 2) {
                shapes.put(name, info.shape());
            }
        }
        return of(shapes);
    }

    /** The catalogue of a model's Linear layers ({@code <module>.weight} with shape [out, in]). */
    public static LoraTargets fromLinears(List<Linear> linears) {
        Map<String, long[]> shapes = new TreeMap<>();
        for (Linear l : linears) {
            shapes.put(l.name() + ".weight", new long[] {l.outFeatures(), l.inFeatures()});
        }
        return of(shapes);
    }

    public Set<String> names() {
        return shapes.keySet();
    }

    public boolean contains(String weightName) {
        return shapes.containsKey(weightName);
    }

    public long outFeatures(String weightName) {
        return shape(weightName)[0];
    }

    public long inFeatures(String weightName) {
        return shape(weightName)[1];
    }

    private long[] shape(String weightName) {
        long[] s = shapes.get(weightName);
        if (s == null) {
            throw new IllegalArgumentException("'" + weightName + "' is not a LoRA target of this model");
        }
        return s;
    }

    public int size() {
        return shapes.size();
    }
}
