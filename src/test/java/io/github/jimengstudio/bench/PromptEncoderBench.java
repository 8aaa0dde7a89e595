package io.github.jimengstudio.bench;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.runtime.TorchRuntime;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.tensor.WeightSources;
import io.github.jimengstudio.textenc.PromptEmbedding;
import io.github.jimengstudio.textenc.PromptEmbeddingCache;
import io.github.jimengstudio.textenc.PromptEncoder;
import io.github.jimengstudio.textenc.Qwen3Encoder;
import io.github.jimengstudio.textenc.TokenizedPrompt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * A mid-size random Qwen3 (hidden 1024, 8 layers, 16 heads / 4 kv heads of 64, MLP 3072, vocab 4096; BF16 on disk
 * like the real checkpoint), float32 compute: tokens per second of the encoder for a 100-token prompt, a whole
 * {@code PromptEncoder.encode} miss, and a cache hit. Uses e2e-tiny's tokenizer (ids below 4096).
 *
 * <p>Args: [shared folder] [repeats]; the shared folder defaults to ../shared.
 */
public final class PromptEncoderBench {
    private PromptEncoderBench() {}

    static final int HIDDEN = 1024;
    static final int LAYERS = 8;
    static final int HEADS = 16;
    static final int KV_HEADS = 4;
    static final int HEAD_DIM = 64;
    static final int MLP = 3072;
    static final int VOCAB = 4096;

    public static void main(String[] args) throws IOException {
        Path shared = Path.of(args.length > 0 ? args[0] : "../shared");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("textenc-bench");
        try {
            run(shared.resolve("golden/e2e-tiny/model/tokenizer"), dir, repeats);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static void run(Path tokenizer, Path dir, int repeats) throws IOException {
        Path weights = dir.resolve("model.safetensors");
        Path config = dir.resolve("config.json");
        writeModel(weights, config);
        System.out.println(TorchRuntime.get().report());

        long t0 = System.nanoTime();
        PromptEmbeddingCache cache = new PromptEmbeddingCache(64L << 20);
        try (PromptEncoder encoder = PromptEncoder.open(tokenizer, config, WeightSources.open(weights), "bench",
                cache, ElementType.FLOAT32)) {
            System.out.printf("load (7 of 8 layers, BF16 -> F32): %.0f ms%n", (System.nanoTime() - t0) / 1e6);

            String prompt = hundredTokenPrompt(encoder);
            TokenizedPrompt tokens = encoder.tokenize(prompt);
            Qwen3Encoder net = encoder.encoder();
            double[] forward = new double[repeats];
            for (int i = -2; i < repeats; i++) { // two warm-up runs
                long s = System.nanoTime();
                try (TensorScope scope = TensorScope.open()) {
                    Tensor h = net.forward(tokens.ids());
                    h.toFloatArray();
                }
                if (i >= 0) {
                    forward[i] = (System.nanoTime() - s) / 1e6;
                }
            }
            Arrays.sort(forward);
            // The projections dominate: 2 FLOP per weight per token, over the 7 layers that run.
            long perLayer = (long) HIDDEN * (2L * HEADS * HEAD_DIM + 2L * KV_HEADS * HEAD_DIM) + 3L * HIDDEN * MLP;
            double gflop = 2.0 * perLayer * (LAYERS - 1) * tokens.length() / 1e9;
            System.out.printf("encoder forward, %d tokens (%.1f GFLOP): min %.1f ms (%.0f tokens/s, %.0f GFLOP/s),"
                    + " median %.1f ms (%.0f tokens/s)%n", tokens.length(), gflop, forward[0],
                    tokens.length() / (forward[0] / 1e3), gflop / (forward[0] / 1e3), forward[repeats / 2],
                    tokens.length() / (forward[repeats / 2] / 1e3));

            double[] miss = new double[repeats];
            double[] hit = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                String p = prompt + " " + i; // a new prompt each time: a miss, then the same again: a hit
                long s = System.nanoTime();
                PromptEmbedding first = encoder.encode(p);
                miss[i] = (System.nanoTime() - s) / 1e6;
                s = System.nanoTime();
                PromptEmbedding again = encoder.encode(p);
                hit[i] = (System.nanoTime() - s) / 1e3;
                if (first != again) {
                    throw new AssertionError("second encode was not a cache hit");
                }
            }
            Arrays.sort(miss);
            Arrays.sort(hit);
            System.out.printf("PromptEncoder.encode miss (template + tokenizer + encoder + copy to heap): median %.1f"
                    + " ms%n", miss[repeats / 2]);
            System.out.printf("PromptEncoder.encode cache hit: min %.1f us, median %.1f us (%d hits, %d misses)%n",
                    hit[0], hit[repeats / 2], cache.hits(), cache.misses());
        }
    }

    /** A prompt whose template comes to about 100 tokens with e2e-tiny's small vocabulary. */
    private static String hundredTokenPrompt(PromptEncoder encoder) throws IOException {
        String base = "a red fox in the snow, watercolor, soft light";
        StringBuilder sb = new StringBuilder(base);
        while (encoder.tokenize(sb.toString()).length() < 100) {
            sb.append(" x");
        }
        System.out.println("prompt: " + encoder.tokenize(sb.toString()).length() + " tokens with the template");
        return sb.toString();
    }

    private static void writeModel(Path weights, Path config) throws IOException {
        Random r = new Random(1);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add("model.embed_tokens.weight", DType.BF16, new long[] {VOCAB, HIDDEN}, gaussian(r, VOCAB * HIDDEN, 1));
        w.add("model.norm.weight", DType.BF16, new long[] {HIDDEN}, gains(r, HIDDEN));
        int q = HEADS * HEAD_DIM;
        int kv = KV_HEADS * HEAD_DIM;
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            w.add(p + "input_layernorm.weight", DType.BF16, new long[] {HIDDEN}, gains(r, HIDDEN));
            w.add(p + "post_attention_layernorm.weight", DType.BF16, new long[] {HIDDEN}, gains(r, HIDDEN));
            w.add(p + "self_attn.q_norm.weight", DType.BF16, new long[] {HEAD_DIM}, gains(r, HEAD_DIM));
            w.add(p + "self_attn.k_norm.weight", DType.BF16, new long[] {HEAD_DIM}, gains(r, HEAD_DIM));
            w.add(p + "self_attn.q_proj.weight", DType.BF16, new long[] {q, HIDDEN}, linear(r, q, HIDDEN));
            w.add(p + "self_attn.k_proj.weight", DType.BF16, new long[] {kv, HIDDEN}, linear(r, kv, HIDDEN));
            w.add(p + "self_attn.v_proj.weight", DType.BF16, new long[] {kv, HIDDEN}, linear(r, kv, HIDDEN));
            w.add(p + "self_attn.o_proj.weight", DType.BF16, new long[] {HIDDEN, q}, linear(r, HIDDEN, q));
            w.add(p + "mlp.gate_proj.weight", DType.BF16, new long[] {MLP, HIDDEN}, linear(r, MLP, HIDDEN));
            w.add(p + "mlp.up_proj.weight", DType.BF16, new long[] {MLP, HIDDEN}, linear(r, MLP, HIDDEN));
            w.add(p + "mlp.down_proj.weight", DType.BF16, new long[] {HIDDEN, MLP}, linear(r, HIDDEN, MLP));
        }
        w.write(weights);
        Files.writeString(config, String.format("{\"model_type\": \"qwen3\", \"hidden_size\": %d,"
                + " \"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d,"
                + " \"head_dim\": %d, \"intermediate_size\": %d, \"vocab_size\": %d, \"rms_norm_eps\": 1e-6,"
                + " \"rope_theta\": 1000000, \"max_position_embeddings\": 40960, \"hidden_act\": \"silu\"}",
                HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, MLP, VOCAB), StandardCharsets.UTF_8);
    }

    private static float[] gaussian(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static float[] gains(Random r, int n) {
        float[] v = gaussian(r, n, 0.25);
        for (int i = 0; i < n; i++) {
            v[i] += 1f;
        }
        return v;
    }

    private static float[] linear(Random r, int out, int in) {
        return gaussian(r, out * in, 1 / Math.sqrt(in));
    }
}
