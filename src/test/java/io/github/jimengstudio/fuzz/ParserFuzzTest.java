package io.github.jimengstudio.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.jimengstudio.dit.ZImageTransformerConfig;
import io.github.jimengstudio.lora.LoraLibrary;
import io.github.jimengstudio.lora.LoraParser;
import io.github.jimengstudio.lora.LoraRejectedException;
import io.github.jimengstudio.lora.LoraTargets;
import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.GenerationTimings;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.Stage;
import io.github.jimengstudio.provenance.A1111Parameters;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.PngTextReader;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.provenance.ProvenanceException;
import io.github.jimengstudio.sampling.SchedulerConfig;
import io.github.jimengstudio.sampling.SchedulerConfigException;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.ShardedSafetensors;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.testing.Fuzz;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.testing.PngChunks;
import io.github.jimengstudio.textenc.Qwen3Config;
import io.github.jimengstudio.textenc.TextEncoderException;
import io.github.jimengstudio.vae.VaeConfig;
import io.github.jimengstudio.vae.VaeConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of every parser of user files and texts (issue #16): valid inputs from the golden data, mutated
 * text by text and byte by byte. Each parser must accept an input or refuse it with its own documented exception
 * and a readable message, quickly and without large allocations ({@link Fuzz}). Fixed seeds: a failure is one
 * case number to replay, and the suite costs the same time on every run.
 */
class ParserFuzzTest {

    private static final long SEED = 16;
    private static final Duration BUDGET = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private static LoraTargets targets;

    @BeforeAll
    static void targets() throws IOException {
        try (SafetensorsFile model = SafetensorsFile.open(
                Golden.file("transformer-tiny/diffusion_pytorch_model.safetensors"))) {
            targets = LoraTargets.fromWeights(model);
        }
    }

    /** Both outcomes must occur, or the mutations are too weak (or too strong) to test anything. */
    private static void assertBothOutcomes(String parser, int refused, int cases) {
        assertTrue(refused > 0 && refused < cases, parser + ": " + refused + " of " + cases + " inputs refused");
    }

    // ---- safetensors headers and shard indexes ----------------------------------------------------------------

    /** The header JSON of a safetensors file, and its data area. */
    private record Parts(String header, byte[] data) {
        static Parts of(Path file) throws IOException {
            byte[] b = Files.readAllBytes(file);
            int n = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return new Parts(new String(b, 8, n, StandardCharsets.UTF_8), java.util.Arrays.copyOfRange(b, 8 + n,
                    b.length));
        }

        byte[] bytes(String header) {
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            return b.putLong(h.length).put(h).put(data).array();
        }
    }

    @Test
    void safetensorsHeadersAreReadOrRefusedWithAWeightFileException() throws IOException {
        Parts seed = Parts.of(Golden.file("lora-tiny/kohya.safetensors"));
        Path file = dir.resolve("fuzz.safetensors");
        int cases = 1500;
        int refused = Fuzz.run("safetensors header", SEED, cases, BUDGET, r -> {
            byte[] bytes = r.nextInt(4) == 0 ? Fuzz.mutate(r, seed.bytes(seed.header()))
                    : seed.bytes(Fuzz.mutate(r, seed.header()));
            Files.write(file, bytes);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.names()) {
                    f.data(name); // every range that was accepted can be mapped
                }
            }
        }, WeightFileException.class);
        assertBothOutcomes("safetensors header", refused, cases);
    }

    @Test
    void shardIndexesAreReadOrRefusedWithAWeightFileException() throws IOException {
        Path model = Golden.file("e2e-tiny/model/transformer");
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        String index = "diffusion_pytorch_model.safetensors.index.json";
        for (String shard : List.of("diffusion_pytorch_model-00001-of-00002.safetensors",
                "diffusion_pytorch_model-00002-of-00002.safetensors")) {
            Files.copy(model.resolve(shard), folder.resolve(shard));
        }
        String seed = Files.readString(model.resolve(index));
        int cases = 600;
        int refused = Fuzz.run("shard index", SEED, cases, BUDGET, r -> {
            // a quarter keep their meaning (only spacing changes), so that reading a good index is exercised too
            Files.writeString(folder.resolve(index), r.nextInt(4) == 0 ? seed.replace(",", ",\n ")
                    : Fuzz.mutate(r, seed));
            ShardedSafetensors.open(folder.resolve(index)).close();
        }, WeightFileException.class);
        assertBothOutcomes("shard index", refused, cases);
    }

    // ---- config files -----------------------------------------------------------------------------------------

    /** A golden config with random edits, or with one of its values replaced by a random one. */
    private static String mutatedConfig(Random r, String seed) {
        if (r.nextBoolean()) {
            return Fuzz.mutate(r, seed);
        }
        JsonObject o = JsonParser.parseString(seed).getAsJsonObject();
        List<String> keys = new ArrayList<>(o.keySet());
        String key = keys.get(r.nextInt(keys.size()));
        try {
            o.add(key, JsonParser.parseString(Fuzz.randomValue(r)));
        } catch (RuntimeException notJson) { // a stray token: the config gets a text edit instead
            return Fuzz.mutate(r, seed);
        }
        return o.toString();
    }

    @Test
    void configFilesAreReadOrRefusedWithTheirOwnException() throws IOException {
        String transformer = Files.readString(Golden.file("e2e-tiny/model/transformer/config.json"));
        String textEncoder = Files.readString(Golden.file("e2e-tiny/model/text_encoder/config.json"));
        String vae = Files.readString(Golden.file("e2e-tiny/model/vae/config.json"));
        String scheduler = Files.readString(Golden.file("e2e-tiny/model/scheduler/scheduler_config.json"));
        int cases = 1000;
        int refused = Fuzz.run("transformer config", SEED, cases, BUDGET,
                r -> ZImageTransformerConfig.parse(mutatedConfig(r, transformer), "config.json"), IOException.class);
        assertBothOutcomes("transformer config", refused, cases);
        refused = Fuzz.run("text encoder config", SEED, cases, BUDGET,
                r -> Qwen3Config.parse(mutatedConfig(r, textEncoder), "config.json"), TextEncoderException.class);
        assertBothOutcomes("text encoder config", refused, cases);
        refused = Fuzz.run("VAE config", SEED, cases, BUDGET,
                r -> VaeConfig.parse(mutatedConfig(r, vae), "config.json"), VaeConfigException.class);
        assertBothOutcomes("VAE config", refused, cases);
        refused = Fuzz.run("scheduler config", SEED, cases, BUDGET,
                r -> SchedulerConfig.parse(mutatedConfig(r, scheduler), "scheduler_config.json"),
                SchedulerConfigException.class);
        assertBothOutcomes("scheduler config", refused, cases);
    }

    // ---- LoRA files -------------------------------------------------------------------------------------------

    private static final String[] PEFT_CONFIGS = {"{\"r\": 4, \"lora_alpha\": 8}",
        "{\"r\": 4, \"lora_alpha\": 4, \"use_rslora\": true, \"rank_pattern\": {\"layers.0.attention.to_q\": 4},"
            + " \"alpha_pattern\": {\"to_k\": 2.0}}"};

    /**
     * A golden LoRA's header with some tensor names edited (the JSON stays valid, so the LoRA parser is reached)
     * and PEFT or kohya metadata that may be malformed; or the header text mutated blindly.
     */
    private static String mutatedLoraHeader(Random r, String header) {
        JsonObject o = JsonParser.parseString(header).getAsJsonObject();
        JsonObject meta = new JsonObject();
        if (r.nextInt(3) == 0) {
            String peft = PEFT_CONFIGS[r.nextInt(PEFT_CONFIGS.length)];
            meta.addProperty("lora_adapter_metadata", r.nextBoolean() ? peft : Fuzz.mutate(r, peft));
        }
        if (r.nextInt(3) == 0) {
            meta.addProperty("ss_tag_frequency", Fuzz.mutate(r, "{\"10_ink\": {\"ink\": 40, \"river\": 3}}"));
        }
        o.remove("__metadata__");
        o.add("__metadata__", meta);
        List<String> keys = new ArrayList<>(o.keySet());
        String victim = r.nextBoolean() ? keys.get(r.nextInt(keys.size())) : null; // one name edited, or none
        JsonObject renamed = new JsonObject();
        for (String k : keys) {
            String name = k;
            if (k.equals(victim) && !k.equals("__metadata__")) {
                name = switch (r.nextInt(4)) {
                    case 0 -> k.replace("0", Integer.toString(r.nextInt(40)));
                    case 1 -> k.replace('.', '_');
                    case 2 -> k.replace("lora_", "lora");
                    default -> Fuzz.randomText(r, 30);
                };
            }
            renamed.add(renamed.has(name) ? k : name, o.get(k));
        }
        String text = renamed.toString();
        return r.nextInt(4) == 0 ? Fuzz.mutate(r, text) : text;
    }

    @Test
    void loraFilesAreParsedOrRefusedAndTheFolderListStaysReadable() throws IOException {
        List<Parts> seeds = new ArrayList<>();
        for (String name : List.of("kohya", "peft", "comfy_fused", "diffsynth", "flux_foreign")) {
            seeds.add(Parts.of(Golden.file("lora-tiny/" + name + ".safetensors")));
        }
        Path folder = Files.createDirectories(dir.resolve("loras"));
        LoraLibrary library = new LoraLibrary(folder);
        LoraParser parser = new LoraParser(targets);
        int cases = 500;
        int refused = Fuzz.run("LoRA file", SEED, cases, BUDGET, r -> {
            Parts seed = seeds.get(r.nextInt(seeds.size()));
            Files.write(folder.resolve("fuzz.safetensors"), seed.bytes(mutatedLoraHeader(r, seed.header())));
            library.rescan(); // the list must survive any file: its problem is listed instead
            library.entries().forEach(i -> i.summary());
            library.load("fuzz", parser);
        }, WeightFileException.class, LoraRejectedException.class, IllegalArgumentException.class);
        assertBothOutcomes("LoRA file", refused, cases);
    }

    // ---- provenance: PNG text chunks, A1111 parameters, the JSON record -----------------------------------------

    private static GenerationRecord record() {
        EnumMap<Stage, Double> stages = new EnumMap<>(Stage.class);
        stages.put(Stage.ENCODING, 12.0);
        stages.put(Stage.DENOISING, 300.0);
        GenerationRequest request = GenerationRequest.builder("a red fox: in the snow,\nwatercolor")
                .negativePrompt("blurry").size(768, 512).steps(12).guidance(3.5).seed(-2L)
                .loras(List.of(new LoraUse("styles/ink", 0.8), new LoraUse("peft", -0.25))).build();
        return new GenerationRecord(request, "Z-Image-Turbo (HF folder, abc123)", "Jimeng Studio 0.1.0", "cpu",
                "float32", "libtorch 2.7.1", "flow-match Euler, shift 3.0", Instant.parse("2025-01-02T03:04:05Z"),
                new GenerationTimings(stages, List.of(75.0, 75.0), 80.0, 352.0), List.of("a warning"));
    }

    @Test
    void generationRecordsAreReadOrRefusedWithAProvenanceException() {
        String seed = record().toJson();
        int cases = 1500;
        int refused = Fuzz.run("generation record", SEED, cases, BUDGET, r -> {
            String json = mutatedConfig(r, seed);
            ProvenanceCodec.recordFromPng(List.of(PngText.utf8(ProvenanceCodec.RECORD_KEY, json)));
            ProvenanceCodec.recordFromInfo(ProvenanceCodec.info(record()).replace(seed, json));
        }, ProvenanceException.class);
        assertBothOutcomes("generation record", refused, cases);
        refused = Fuzz.run("generation record (fromJson)", SEED + 1, cases, BUDGET,
                r -> GenerationRecord.fromJson(mutatedConfig(r, seed)), IllegalArgumentException.class);
        assertBothOutcomes("generation record (fromJson)", refused, cases);
    }

    @Test
    void a1111ParametersAreReadOrRefusedWithAProvenanceException() {
        String seed = ProvenanceCodec.parameters(record());
        int cases = 3000;
        int refused = Fuzz.run("A1111 parameters", SEED, cases, BUDGET,
                r -> A1111Parameters.parse(Fuzz.mutate(r, seed)), ProvenanceException.class);
        assertBothOutcomes("A1111 parameters", refused, cases);
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater();
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /** A random text chunk: a written one mutated, a zTXt (sometimes a small bomb), or random bytes. */
    private static Object[] randomTextChunk(Random r, List<PngText> written) {
        PngText t = written.get(r.nextInt(written.size()));
        String keyword = r.nextInt(8) == 0 ? Fuzz.randomText(r, 90) : t.keyword();
        byte[] k = keyword.getBytes(StandardCharsets.ISO_8859_1);
        byte[] text = Fuzz.utf8(r.nextBoolean() ? Fuzz.mutate(r, t.text()) : t.text());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(k);
        data.write(0);
        return switch (r.nextInt(4)) {
            case 0 -> {
                data.writeBytes(text);
                yield new Object[] {"tEXt", data.toByteArray()};
            }
            case 1 -> {
                data.write(0);
                data.writeBytes(r.nextInt(10) == 0 ? deflate(new byte[1 << (16 + r.nextInt(9))]) : deflate(text));
                yield new Object[] {"zTXt", r.nextBoolean() ? data.toByteArray() : Fuzz.mutate(r, data.toByteArray())};
            }
            case 2 -> {
                boolean compressed = r.nextBoolean();
                data.writeBytes(new byte[] {(byte) (compressed ? 1 : 0), 0, 'e', 'n', 0, 0});
                data.writeBytes(compressed ? deflate(text) : text);
                yield new Object[] {"iTXt", Fuzz.mutate(r, data.toByteArray())};
            }
            default -> new Object[] {"tEXt", Fuzz.mutate(r, data.toByteArray())};
        };
    }

    @Test
    void pngTextChunksAreReadOrRefusedWithAnIOExceptionAndTheirSettingsWithAProvenanceException() throws IOException {
        List<PngText> written = ProvenanceCodec.pngTexts(record());
        int cases = 1200;
        int refused = Fuzz.run("PNG text chunks", SEED, cases, BUDGET, r -> {
            PngChunks chunks = new PngChunks();
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                Object[] c = randomTextChunk(r, written);
                byte[] data = (byte[]) c[1];
                chunks.chunk((String) c[0], data, r.nextInt(20) == 0 ? r.nextInt() : data.length);
            }
            byte[] png = chunks.end();
            png = r.nextInt(5) == 0 ? Fuzz.mutate(r, png) : png;
            List<PngText> texts = PngTextReader.read(new ByteArrayInputStream(png), "fuzz.png");
            ProvenanceCodec.requestFromPng(texts);
        }, IOException.class, ProvenanceException.class);
        assertBothOutcomes("PNG text chunks", refused, cases);
    }
}
