package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qwen3ConfigTest {

    /** Qwen3-4B's text_encoder/config.json as zimage-spec.md §1.1 lists it. */
    static final String QWEN3_4B = """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 2560, "initializer_range": 0.02, "intermediate_size": 9728,
             "max_position_embeddings": 40960, "max_window_layers": 36, "model_type": "qwen3",
             "num_attention_heads": 32, "num_hidden_layers": 36, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}""";

    private static String messageOf(String json) {
        return assertThrows(TextEncoderException.class, () -> Qwen3Config.parse(json, "config.json")).getMessage();
    }

    @Test
    void qwen3FourBillionIsReadAsTheSpecSays() throws IOException {
        Qwen3Config c = Qwen3Config.parse(QWEN3_4B, "4b");
        assertEquals(new Qwen3Config(2560, 36, 32, 8, 128, 9728, 151936, 1e-6, 1e6, 40960, 151643, 151645), c);
        assertEquals(34, c.lastLayerUsed());
        assertEquals(4, c.queriesPerKeyValue());
    }

    @Test
    void tinyGoldenConfigsAreRead() throws IOException {
        Qwen3Config tiny = Qwen3Config.read(Golden.file("text-encoder-tiny/config.json"));
        assertEquals(new Qwen3Config(64, 3, 4, 2, 32, 160, 1000, 1e-6, 1e6, 40960, 151643, 151645), tiny);
        Qwen3Config e2e = Qwen3Config.read(Golden.file("e2e-tiny/model/text_encoder/config.json"));
        assertEquals(new Qwen3Config(64, 3, 4, 2, 32, 160, 1000, 1e-6, 1e6, 40960, 350, 352), e2e);
        assertEquals(1, e2e.lastLayerUsed());
    }

    @Test
    void absentOptionalKeysTakeTransformersDefaults() throws IOException {
        Qwen3Config c = Qwen3Config.parse("{\"hidden_size\": 64, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 10}", "x");
        assertEquals(new Qwen3Config(64, 2, 4, 4, 16, 128, 10, 1e-6, 10000.0, 32768, -1, -1), c);
    }

    @Test
    void transformers5RopeParametersAreRead() throws IOException {
        String v5 = QWEN3_4B.replace("\"rope_theta\": 1000000,",
                "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5000000.0},");
        assertEquals(5e6, Qwen3Config.parse(v5, "v5").ropeTheta());
    }

    @Test
    void featuresThisEncoderLacksAreRefusedByName() {
        assertTrue(messageOf(QWEN3_4B.replace("\"attention_bias\": false", "\"attention_bias\": true"))
                .contains("attention_bias is true"));
        assertTrue(messageOf(QWEN3_4B.replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""))
                .contains("hidden_act is 'gelu'"));
        assertTrue(messageOf(QWEN3_4B.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"))
                .contains("use_sliding_window is true"));
        assertTrue(messageOf(QWEN3_4B.replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}")).contains("rope_scaling is"));
        assertTrue(messageOf(QWEN3_4B.replace("\"model_type\": \"qwen3\"", "\"model_type\": \"llama\""))
                .contains("model_type is 'llama'"));
    }

    @Test
    void inconsistentShapesAreRefused() {
        assertEquals("config.json: num_attention_heads 32 is not a multiple of num_key_value_heads 5 (grouped-query"
                + " attention shares each key/value head among a whole group of query heads)",
                messageOf(QWEN3_4B.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5")));
        assertTrue(messageOf(QWEN3_4B.replace("\"num_hidden_layers\": 36", "\"num_hidden_layers\": 1"))
                .contains("at least 2 layers"));
        assertTrue(messageOf(QWEN3_4B.replace("\"head_dim\": 128", "\"head_dim\": 127")).contains("even"));
        assertTrue(messageOf(QWEN3_4B.replace(", \"vocab_size\": 151936", "")).contains("vocab_size is missing"));
        assertTrue(messageOf(QWEN3_4B.replace("\"rms_norm_eps\": 1e-06", "\"rms_norm_eps\": 0"))
                .contains("rms_norm_eps is 0.0"));
    }

    @Test
    void malformedFilesAreNamed(@TempDir Path dir) {
        assertTrue(messageOf("[1]").contains("must be a JSON object"));
        assertTrue(messageOf("{\"hidden_size\": ").contains("not a valid Qwen3 config"));
        assertTrue(messageOf("{\"hidden_size\": \"big\"}").contains("not a valid Qwen3 config"));
        Path missing = dir.resolve("text_encoder").resolve("config.json");
        TextEncoderException e = assertThrows(TextEncoderException.class, () -> Qwen3Config.read(missing));
        assertTrue(e.getMessage().startsWith(missing + ": text encoder config not found"), e.getMessage());
    }
}
