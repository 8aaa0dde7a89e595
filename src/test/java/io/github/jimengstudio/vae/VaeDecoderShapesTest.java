package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class VaeDecoderShapesTest {

    @Test
    void theTableIsExactlyTheGoldenDecoderTensors() throws IOException {
        assertTableIsTheGoldenPart("decoder.", VaeWeights.decoderShapes(tiny()));
    }

    @Test
    void theEncoderTableIsExactlyTheGoldenEncoderTensors() throws IOException {
        assertTableIsTheGoldenPart("encoder.", VaeWeights.encoderShapes(tiny()));
    }

    private static VaeConfig tiny() throws IOException {
        return VaeConfig.read(Golden.file("vae-tiny/config.json"));
    }

    private static void assertTableIsTheGoldenPart(String prefix, Map<String, long[]> table) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"))) {
            TreeSet<String> part = new TreeSet<>();
            for (String n : f.names()) {
                if (n.startsWith(prefix)) {
                    part.add(n);
                }
            }
            assertEquals(part, new TreeSet<>(table.keySet()));
            for (Map.Entry<String, long[]> e : table.entrySet()) {
                assertArrayEquals(f.info(e.getKey()).shape(), e.getValue(), e.getKey());
            }
        }
    }

    @Test
    void theFluxDecoderHasItsPublishedParameterCount() {
        long params = 0;
        for (long[] shape : VaeWeights.decoderShapes(VaeConfig.flux()).values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            params += n;
        }
        assertEquals(49_545_475L, params); // zimage-spec §9: decoder 49.5 M
    }
}
