package io.github.jimengstudio.vae;

import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Presents VAE weights under the diffusers names whatever layout they come in: the diffusers folder as is,
 * ComfyUI's / BFL's {@code ae.safetensors} (LDM names) through {@link LdmVaeNames}, and either of them inside a
 * bigger checkpoint under the {@code first_stage_model.} or {@code vae.} prefix.
 */
public final class VaeWeights {
    private VaeWeights() {}

    /** Prefixes under which full checkpoints carry their VAE (the ones diffusers' single-file loader accepts). */
    static final List<String> PREFIXES = List.of("", "first_stage_model.", "vae.");

    /** A tensor every diffusers-named VAE half has (the decoder's, or the encoder's in an encoder-only file). */
    private static final List<String> DIFFUSERS_MARKS =
            List.of("decoder.conv_norm_out.weight", "encoder.conv_norm_out.weight");
    /** The same under LDM names. */
    private static final List<String> LDM_MARKS = List.of("decoder.norm_out.weight", "encoder.norm_out.weight");

    /**
     * The weights of {@code source} under diffusers names. Closing the result closes {@code source}.
     *
     * @throws WeightFileException when no VAE decoder or encoder is recognised
     */
    public static WeightSource canonical(WeightSource source, VaeConfig config) throws IOException {
        for (String prefix : PREFIXES) {
            if (holdsAny(source, prefix, DIFFUSERS_MARKS)) {
                return prefix.isEmpty() ? source : RenamedWeights.stripPrefix(source, prefix);
            }
            if (holdsAny(source, prefix, LDM_MARKS)) {
                WeightSource ldm = prefix.isEmpty() ? source : RenamedWeights.stripPrefix(source, prefix);
                return LdmVaeNames.view(ldm, config.upBlockCount());
            }
        }
        throw new WeightFileException(source.origin(), null, "holds no VAE decoder or encoder (none of "
                + DIFFUSERS_MARKS + " / " + LDM_MARKS + ", with or without the prefixes first_stage_model. / vae.);"
                + " Z-Image needs the model's vae/ folder or ComfyUI's ae.safetensors");
    }

    private static boolean holdsAny(WeightSource source, String prefix, List<String> names) {
        return names.stream().anyMatch(n -> source.contains(prefix + n));
    }

    /**
     * Every tensor the decoder loads, under diffusers names, with its shape, in load order: the table a writer of
     * test or self-test checkpoints needs (the decoder itself checks each load against the same shapes).
     */
    public static Map<String, long[]> decoderShapes(VaeConfig config) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int mid = config.midChannels();
        conv(m, "decoder.conv_in", config.latentChannels(), mid, 3);
        midBlock(m, "decoder.mid_block", mid);
        int in = mid;
        for (int i = 0; i < config.upBlockCount(); i++) {
            int out = config.upBlockChannels(i);
            for (int j = 0; j < config.resnetsPerUpBlock(); j++) {
                resnet(m, "decoder.up_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            }
            if (i < config.upBlockCount() - 1) {
                conv(m, "decoder.up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
            }
            in = out;
        }
        norm(m, "decoder.conv_norm_out", in);
        conv(m, "decoder.conv_out", in, config.outChannels(), 3);
        return m;
    }

    /** Every tensor the encoder loads, under diffusers names, with its shape, in load order (as {@link #decoderShapes}). */
    public static Map<String, long[]> encoderShapes(VaeConfig config) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int in = config.downBlockChannels(0);
        conv(m, "encoder.conv_in", 3, in, 3);
        for (int i = 0; i < config.upBlockCount(); i++) {
            int out = config.downBlockChannels(i);
            for (int j = 0; j < config.layersPerBlock(); j++) {
                resnet(m, "encoder.down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            }
            if (i < config.upBlockCount() - 1) {
                conv(m, "encoder.down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
            }
            in = out;
        }
        midBlock(m, "encoder.mid_block", in);
        norm(m, "encoder.conv_norm_out", in);
        conv(m, "encoder.conv_out", in, 2 * config.latentChannels(), 3);
        return m;
    }

    private static void midBlock(Map<String, long[]> m, String name, int channels) {
        resnet(m, name + ".resnets.0", channels, channels);
        norm(m, name + ".attentions.0.group_norm", channels);
        for (String p : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
            m.put(name + ".attentions.0." + p + ".weight", new long[] {channels, channels});
            m.put(name + ".attentions.0." + p + ".bias", new long[] {channels});
        }
        resnet(m, name + ".resnets.1", channels, channels);
    }

    private static void resnet(Map<String, long[]> m, String name, int in, int out) {
        norm(m, name + ".norm1", in);
        conv(m, name + ".conv1", in, out, 3);
        norm(m, name + ".norm2", out);
        conv(m, name + ".conv2", out, out, 3);
        if (in != out) {
            conv(m, name + ".conv_shortcut", in, out, 1);
        }
    }

    private static void conv(Map<String, long[]> m, String name, int in, int out, int kernel) {
        m.put(name + ".weight", new long[] {out, in, kernel, kernel});
        m.put(name + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> m, String name, int channels) {
        m.put(name + ".weight", new long[] {channels});
        m.put(name + ".bias", new long[] {channels});
    }
}
