package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Qwen3WeightNamesTest {

    static Qwen3Config config;
    static Map<String, TensorInfo> golden = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws IOException {
        config = Qwen3Config.read(Golden.file("text-encoder-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("text-encoder-tiny/model.safetensors"))) {
            for (String name : f.names()) {
                golden.put(name, f.info(name));
            }
        }
    }

    /** A header-only source: the layout check never reads tensor data. */
    record Headers(Map<String, TensorInfo> infos) implements WeightSource {
        static Headers of(UnaryOperator<Map<String, TensorInfo>> edit) {
            return new Headers(edit.apply(new LinkedHashMap<>(golden)));
        }

        @Override
        public Set<String> names() {
            return infos.keySet();
        }

        @Override
        public TensorInfo info(String name) {
            return infos.get(name);
        }

        @Override
        public ByteBuffer data(String name) {
            throw new AssertionError("the layout check must not read data");
        }

        @Override
        public String origin() {
            return "/models/te";
        }

        @Override
        public void close() {}
    }

    private static Map<String, TensorInfo> renamed(Map<String, TensorInfo> m, UnaryOperator<String> rename) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(rename.apply(k), v));
        return out;
    }

    private static String messageOf(Headers source) {
        return assertThrows(WeightFileException.class, () -> Qwen3WeightNames.inspect(source, config)).getMessage();
    }

    @Test
    void hfNamesWithTheModelPrefixAreFound() throws IOException {
        Qwen3WeightNames names = Qwen3WeightNames.inspect(Headers.of(m -> m), config);
        assertEquals("model.", names.prefix());
        assertEquals("model.layers.1.mlp.up_proj.weight", names.name(Qwen3WeightNames.layer(1, "mlp.up_proj.weight")));
    }

    @Test
    void namesWithoutThePrefixAreFoundToo() throws IOException {
        Headers bare = Headers.of(m -> renamed(m, k -> k.substring("model.".length())));
        Qwen3WeightNames names = Qwen3WeightNames.inspect(bare, config);
        assertEquals("", names.prefix());
        assertEquals("embed_tokens.weight", names.name("embed_tokens.weight"));
    }

    @Test
    void lmHeadIsIgnoredAndTheUnusedLastLayerAndNormMayBeAbsent() throws IOException {
        Headers trimmed = Headers.of(m -> {
            m.keySet().removeIf(k -> k.startsWith("model.layers.2.") || k.equals("model.norm.weight"));
            m.put("lm_head.weight", golden.get("model.embed_tokens.weight"));
            return m;
        });
        assertEquals("model.", Qwen3WeightNames.inspect(trimmed, config).prefix());
    }

    @Test
    void aMissingTensorThatTheForwardPassUsesIsNamed() {
        String msg = messageOf(Headers.of(m -> {
            m.remove("model.layers.1.self_attn.k_norm.weight");
            return m;
        }));
        assertTrue(msg.startsWith("/models/te: 1 text encoder tensor(s) missing, e.g."
                + " model.layers.1.self_attn.k_norm.weight"), msg);
    }

    @Test
    void aWrongShapeIsNamedWithBothShapes() {
        TensorInfo q = golden.get("model.layers.0.self_attn.q_proj.weight");
        String msg = messageOf(Headers.of(m -> {
            m.put(q.name(), new TensorInfo(q.name(), DType.F32, new long[] {64, 64}, q.begin(), q.begin() + 64 * 64 * 4));
            return m;
        }));
        assertTrue(msg.contains("model.layers.0.self_attn.q_proj.weight is [64, 64], expected [128, 64]"), msg);
        assertTrue(msg.contains("different models"), msg);
    }

    @Test
    void aConfigWithMoreLayersThanTheCheckpointIsRefused() throws IOException {
        Qwen3Config deeper = new Qwen3Config(64, 5, 4, 2, 32, 160, 1000, 1e-6, 1e6, 40960, -1, -1);
        WeightFileException e = assertThrows(WeightFileException.class,
                () -> Qwen3WeightNames.inspect(Headers.of(m -> m), deeper));
        assertTrue(e.getMessage().contains("missing, e.g. model.layers.3."), e.getMessage());
    }

    @Test
    void aVocabularyOfAnotherSizeIsRefused() {
        Qwen3Config bigger = new Qwen3Config(64, 3, 4, 2, 32, 160, 151936, 1e-6, 1e6, 40960, -1, -1);
        WeightFileException e = assertThrows(WeightFileException.class,
                () -> Qwen3WeightNames.inspect(Headers.of(m -> m), bigger));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight is [1000, 64], expected [151936, 64]"),
                e.getMessage());
    }

    @Test
    void unknownTensorsSuchAsBiasesAreRefused() {
        TensorInfo norm = golden.get("model.norm.weight");
        String msg = messageOf(Headers.of(m -> {
            m.put("model.layers.0.self_attn.q_proj.bias", new TensorInfo("model.layers.0.self_attn.q_proj.bias",
                    DType.F32, new long[] {64}, norm.begin(), norm.end()));
            return m;
        }));
        assertTrue(msg.contains("does not have, e.g. model.layers.0.self_attn.q_proj.bias"), msg);
    }

    @Test
    void mixedPrefixesAndForeignCheckpointsAreRefused() {
        assertTrue(messageOf(Headers.of(m -> {
            m.put("embed_tokens.weight", golden.get("model.embed_tokens.weight"));
            return m;
        })).contains("holds both"));
        assertTrue(messageOf(Headers.of(m -> {
            TensorInfo layer = m.remove("model.layers.1.mlp.up_proj.weight");
            m.put("layers.1.mlp.up_proj.weight", layer);
            return m;
        })).contains("missing"));
        assertTrue(messageOf(Headers.of(m -> renamed(m, k -> "transformer." + k)))
                .contains("not a Qwen3 text encoder checkpoint"));
    }

    @Test
    void integerTensorsAreRefused() {
        TensorInfo emb = golden.get("model.embed_tokens.weight");
        String msg = messageOf(Headers.of(m -> {
            m.put(emb.name(), new TensorInfo(emb.name(), DType.I64, emb.shape(), emb.begin(), emb.end()));
            return m;
        }));
        assertTrue(msg.contains("model.embed_tokens.weight is I64, not a floating-point type"), msg);
    }
}
