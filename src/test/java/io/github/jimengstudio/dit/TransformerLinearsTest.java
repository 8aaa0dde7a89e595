package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.nn.Linear;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TransformerLinearsTest {

    @Test
    void linearsAreEveryTwoDimensionalWeightOfTheCheckpointUnderItsName() throws Exception {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"));
                ZImageTransformer model = ZImageTransformer.load(f, tiny, ElementType.FLOAT32)) {
            Map<String, long[]> expected = new TreeMap<>();
            for (String n : f.names()) {
                if (n.endsWith(".weight") && f.info(n).rank() == 2) {
                    expected.put(n, f.info(n).shape());
                }
            }
            Map<String, long[]> got = new TreeMap<>();
            for (Linear l : model.linears()) {
                got.put(l.name() + ".weight", new long[] {l.outFeatures(), l.inFeatures()});
            }
            assertEquals(expected.keySet(), got.keySet());
            expected.forEach((n, shape) -> assertArrayEquals(shape, got.get(n), n));
        }
    }
}
