package io.github.jimengstudio.vae;

import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.util.List;

/**
 * Presents VAE weights under the diffusers names whatever layout they come in: the diffusers folder as is,
 * ComfyUI's / BFL's {@code ae.safetensors} (LDM names) through {@link LdmVaeNames}, and either of them inside a
 * bigger checkpoint under the {@code first_stage_model.} or {@code vae.} prefix.
 */
public final class VaeWeights {
    private VaeWeights() {}

    /** Prefixes under which full checkpoints carry their VAE (the ones diffusers' single-file loader accepts). */
    static final List<String> PREFIXES = List.of("", "first_stage_model.", "vae.");

    private static final String DIFFUSERS_MARK = "decoder.conv_norm_out.weight";
    private static final String LDM_MARK = "decoder.norm_out.weight";

    /**
     * The weights of {@code source} under diffusers names. Closing the result closes {@code source}.
     *
     * @throws WeightFileException when no VAE decoder is recognised
     */
    public static WeightSource canonical(WeightSource source, VaeConfig config) throws IOException {
        for (String prefix : PREFIXES) {
            if (source.contains(prefix + DIFFUSERS_MARK)) {
                return prefix.isEmpty() ? source : RenamedWeights.stripPrefix(source, prefix);
            }
            if (source.contains(prefix + LDM_MARK)) {
                WeightSource ldm = prefix.isEmpty() ? source : RenamedWeights.stripPrefix(source, prefix);
                return LdmVaeNames.view(ldm, config.upBlockCount());
            }
        }
        throw new WeightFileException(source.origin(), null, "holds no VAE decoder (neither '" + DIFFUSERS_MARK
                + "' nor '" + LDM_MARK + "', with or without the prefixes first_stage_model. / vae.);"
                + " Z-Image needs the model's vae/ folder or ComfyUI's ae.safetensors");
    }
}
