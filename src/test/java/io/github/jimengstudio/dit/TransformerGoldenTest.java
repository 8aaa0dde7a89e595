package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float32 forward pass against every golden transformer case: the outputs and every stored intermediate
 * (golden README §1.2–1.3, README-extra §1–2), for the diffusers-named tiny and wide models and the ComfyUI-named
 * tiny model (also with a {@code model.diffusion_model.} prefix).
 */
class TransformerGoldenTest {

    /** dbg keys whose values PreprocessingGoldenTest compares (pure-Java position ids, pad masks, RoPE factors). */
    private static final List<String> PREPROCESSING_KEYS = List.of(".in.freqs", "patchify.x_pos_ids.",
            "patchify.cap_pos_ids.", "patchify.x_pad_mask.", "patchify.cap_pad_mask.");

    private static final Map<String, WeightSource> files = new HashMap<>();
    private static final Map<String, ZImageTransformer> models = new HashMap<>();

    @BeforeAll
    static void loadModels() throws IOException {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        ZImageTransformerConfig wide = ZImageTransformerConfig.read(Golden.file("transformer-wide/config.json"));
        load("tiny", "transformer-tiny/diffusion_pytorch_model.safetensors", tiny, false);
        load("wide", "transformer-wide/diffusion_pytorch_model.safetensors", wide, false);
        load("comfy", "transformer-tiny-comfy/z_image_tiny_comfy.safetensors", tiny, false);
        load("comfy-prefixed", "transformer-tiny-comfy/z_image_tiny_comfy.safetensors", tiny, true);
    }

    private static void load(String key, String file, ZImageTransformerConfig config, boolean prefix)
            throws IOException {
        WeightSource source = SafetensorsFile.open(Golden.file(file));
        if (prefix) {
            source = RenamedWeights.map(source, n -> ZImageWeightNames.COMFY_PREFIX + n);
        }
        files.put(key, source);
        models.put(key, ZImageTransformer.load(source, config, ElementType.FLOAT32));
    }

    @AfterAll
    static void close() throws IOException {
        for (ZImageTransformer m : models.values()) {
            m.close();
        }
        for (WeightSource s : files.values()) {
            s.close();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "tiny, transformer-tiny, case0_sq32_cap37",
        "tiny, transformer-tiny, case1_rect24x40_cap64",
        "tiny, transformer-tiny, case2_sq16_cap1_t0",
        "tiny, transformer-tiny, case3_batch2_masked",
        "wide, transformer-wide, case0_wide_20x24_cap45",
        "wide, transformer-wide, case1_wide_batch2_masked",
        "comfy, transformer-tiny, case0_sq32_cap37",
        "comfy, transformer-tiny, case1_rect24x40_cap64",
        "comfy, transformer-tiny, case2_sq16_cap1_t0",
        "comfy, transformer-tiny, case3_batch2_masked",
        "comfy-prefixed, transformer-tiny, case0_sq32_cap37",
        "comfy-prefixed, transformer-tiny, case3_batch2_masked"})
    void outputsAndEveryStoredIntermediateMatchTheReference(String model, String folder, String name)
            throws IOException {
        try (GoldenCase c = new GoldenCase(folder, name); TensorScope s = TensorScope.open()) {
            Map<String, Recorded> recorded = new HashMap<>();
            List<Tensor> out = run(models.get(model), c, (n, v) -> recorded.put(n, Recorded.of(v)));
            for (int i = 0; i < out.size(); i++) {
                assertArrayEquals(c.shape("out." + i), out.get(i).shape(), "out." + i + " shape");
                assertEquals(ElementType.FLOAT32, out.get(i).type());
                c.assertMatches("out." + i, out.get(i).toFloatArray());
            }
            int compared = 0;
            for (String key : c.file.names()) {
                if (!key.startsWith("dbg.") || PREPROCESSING_KEYS.stream().anyMatch(key::contains)) {
                    continue;
                }
                Recorded r = recorded.get(key.substring(4));
                assertNotNull(r, name + ": the forward pass recorded nothing for " + key);
                assertEquals(numel(c.shape(key)), r.numel(), key + " element count");
                if (r.longs != null) {
                    c.assertExact(key, r.longs);
                } else {
                    c.assertMatches(key, r.floats);
                }
                compared++;
            }
            assertEquals(true, compared >= 8, "compared " + compared + " intermediates");
        }
    }

    @Test
    void comfyNamesGiveBitIdenticalWeightsToTheDiffusersFile() throws IOException {
        ZImageTransformerConfig tiny = ZImageTransformerConfig.read(Golden.file("transformer-tiny/config.json"));
        WeightSource diffusers = files.get("tiny");
        for (String key : List.of("comfy", "comfy-prefixed")) {
            WeightSource canonical = ZImageWeightNames.canonical(files.get(key), tiny);
            assertEquals(diffusers.names(), canonical.names(), key + ": the same 101 names");
            for (String n : diffusers.names()) {
                assertEquals(diffusers.info(n).dtype(), canonical.info(n).dtype(), n);
                assertArrayEquals(diffusers.info(n).shape(), canonical.info(n).shape(), n);
                assertEquals(diffusers.data(n), canonical.data(n), key + ": bytes of " + n);
            }
        }
    }

    /**
     * A forward pass keeps one token stream alive at a time: a block's input is freed once its output exists, and the
     * refiners' streams once the unified stream is built (otherwise all 30 main layers' outputs would stay in memory
     * until the pass ends).
     */
    @Test
    void eachBlockInputIsFreedOnceTheBlockHasRun() throws IOException {
        try (GoldenCase c = new GoldenCase("transformer-tiny", "case0_sq32_cap37"); TensorScope s = TensorScope.open()) {
            Map<String, Tensor> outs = new LinkedHashMap<>();
            List<String> checked = new ArrayList<>();
            run(models.get("tiny"), c, (n, v) -> {
                if (!n.endsWith(".out") || n.startsWith("t_embedder") || n.startsWith("cap_embedder")) {
                    return;
                }
                String group = n.substring(0, n.indexOf('.'));
                outs.forEach((earlier, t) -> {
                    if (group.equals("layers") || earlier.startsWith(group + ".")) {
                        assertTrue(t.isClosed(), earlier + " is still alive when " + n + " is recorded");
                        checked.add(earlier);
                    }
                });
                outs.put(n, v);
            });
            // every refiner output and the first main layer's were checked
            assertTrue(checked.containsAll(List.of("noise_refiner.1.out", "context_refiner.1.out", "layers.0.out")),
                    checked.toString());
        }
    }

    static List<Tensor> run(ZImageTransformer model, GoldenCase c, ForwardTrace trace) {
        int items = c.items();
        List<Tensor> latents = new ArrayList<>();
        List<Tensor> captions = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            latents.add(Tensor.of(c.floats("in.x." + i), c.shape("in.x." + i)));
            captions.add(Tensor.of(c.floats("in.cap_feats." + i), c.shape("in.cap_feats." + i)));
        }
        return model.forward(latents, c.floats("in.t"), captions, trace);
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A copy of a traced tensor (the tensor itself is freed after the call). */
    private record Recorded(float[] floats, long[] longs) {
        static Recorded of(Tensor t) {
            return t.type().isFloating() ? new Recorded(t.toFloatArray(), null) : new Recorded(null, t.toLongArray());
        }

        long numel() {
            return floats != null ? floats.length : longs.length;
        }
    }
}
