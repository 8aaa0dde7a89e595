package io.github.jimengstudio.vae;

import io.github.jimengstudio.tensor.RenamedWeights;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightFileException;
import io.github.jimengstudio.tensor.WeightSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one table from the original LDM/BFL names of the FLUX VAE (ComfyUI's {@code ae.safetensors},
 * {@code first_stage_model.*} in full checkpoints) to the diffusers names the decoder loads. It follows diffusers'
 * {@code convert_ldm_vae_checkpoint}:
 *
 * <pre>
 *   {enc,dec}.norm_out                 -> {enc,dec}.conv_norm_out
 *   {enc,dec}.mid.block_{1,2}          -> {enc,dec}.mid_block.resnets.{0,1}
 *   {enc,dec}.mid.attn_1.norm          -> {enc,dec}.mid_block.attentions.0.group_norm
 *   {enc,dec}.mid.attn_1.{q,k,v}       -> {enc,dec}.mid_block.attentions.0.{to_q,to_k,to_v}
 *   {enc,dec}.mid.attn_1.proj_out      -> {enc,dec}.mid_block.attentions.0.to_out.0
 *   encoder.down.i.block.j             -> encoder.down_blocks.i.resnets.j
 *   encoder.down.i.downsample.conv     -> encoder.down_blocks.i.downsamplers.0.conv
 *   decoder.up.k.block.j               -> decoder.up_blocks.(N-1-k).resnets.j     (LDM counts up blocks from the
 *   decoder.up.k.upsample.conv         -> decoder.up_blocks.(N-1-k).upsamplers.0.conv   output end)
 *   ....nin_shortcut                   -> ....conv_shortcut
 *   conv_in, conv_out and the resnets' norm1/conv1/norm2/conv2 keep their names.
 * </pre>
 *
 * The LDM attention projections are 1×1 convolutions {@code [C, C, 1, 1]}; diffusers holds the same numbers as
 * linear weights {@code [C, C]} ({@link #isAttentionProjection}).
 */
public final class LdmVaeNames {
    private LdmVaeNames() {}

    private record Rule(Pattern pattern, BiFunction<Matcher, Integer, String> rename) {
        Rule(String regex, BiFunction<Matcher, Integer, String> rename) {
            this(Pattern.compile(regex), rename);
        }
    }

    private static final String PART = "(encoder|decoder)";
    private static final String PARAM = "(weight|bias)";
    private static final String RESNET = "(norm1|conv1|norm2|conv2|nin_shortcut)\\." + PARAM;

    private static final List<Rule> TABLE = List.of(
            new Rule(PART + "\\.(conv_in|conv_out)\\." + PARAM,
                    (m, n) -> m.group(1) + "." + m.group(2) + "." + m.group(3)),
            new Rule(PART + "\\.norm_out\\." + PARAM,
                    (m, n) -> m.group(1) + ".conv_norm_out." + m.group(2)),
            new Rule(PART + "\\.mid\\.block_([12])\\." + RESNET,
                    (m, n) -> m.group(1) + ".mid_block.resnets." + (Integer.parseInt(m.group(2)) - 1) + "."
                            + resnetPart(m.group(3)) + "." + m.group(4)),
            new Rule(PART + "\\.mid\\.attn_1\\.norm\\." + PARAM,
                    (m, n) -> m.group(1) + ".mid_block.attentions.0.group_norm." + m.group(2)),
            new Rule(PART + "\\.mid\\.attn_1\\.(q|k|v|proj_out)\\." + PARAM,
                    (m, n) -> m.group(1) + ".mid_block.attentions.0." + attentionPart(m.group(2)) + "." + m.group(3)),
            new Rule("encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\." + RESNET,
                    (m, n) -> "encoder.down_blocks." + m.group(1) + ".resnets." + m.group(2) + "."
                            + resnetPart(m.group(3)) + "." + m.group(4)),
            new Rule("encoder\\.down\\.(\\d+)\\.downsample\\.conv\\." + PARAM,
                    (m, n) -> "encoder.down_blocks." + m.group(1) + ".downsamplers.0.conv." + m.group(2)),
            new Rule("decoder\\.up\\.(\\d{1,3})\\.block\\.(\\d+)\\." + RESNET,
                    (m, n) -> upBlock(m.group(1), n, ".resnets." + m.group(2) + "." + resnetPart(m.group(3)) + "."
                            + m.group(4))),
            new Rule("decoder\\.up\\.(\\d{1,3})\\.upsample\\.conv\\." + PARAM,
                    (m, n) -> upBlock(m.group(1), n, ".upsamplers.0.conv." + m.group(2))));

    private static final Pattern ATTENTION_PROJECTION =
            Pattern.compile(PART + "\\.mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0)\\.weight");

    /**
     * The diffusers name of an LDM VAE tensor, or null when the name is not part of the table (then it is not a
     * tensor of this VAE).
     *
     * @param upBlocks the decoder's number of up blocks ({@link VaeConfig#upBlockCount()}), which the LDM up
     *     index is counted back from
     */
    public static String toDiffusers(String ldmName, int upBlocks) {
        for (Rule rule : TABLE) {
            Matcher m = rule.pattern.matcher(ldmName);
            if (m.matches()) {
                return rule.rename.apply(m, upBlocks);
            }
        }
        return null;
    }

    /**
     * The LDM-named tensors of {@code ldm} under their diffusers names (zero-copy), the attention projections seen
     * as {@code [C, C]}.
     *
     * @throws WeightFileException listing the tensors that are not part of this VAE (such as the quant
     *     convolutions of a Stable Diffusion VAE)
     */
    public static RenamedWeights view(WeightSource ldm, int upBlocks) throws WeightFileException {
        RenamedWeights.Builder b = RenamedWeights.builder(ldm, "LDM VAE names");
        List<String> unknown = new ArrayList<>();
        for (String name : ldm.names()) {
            String mapped = toDiffusers(name, upBlocks);
            if (mapped == null) {
                unknown.add(name);
                continue;
            }
            TensorInfo t = ldm.info(name);
            if (isAttentionProjection(mapped) && t.rank() == 4 && t.dim(2) == 1 && t.dim(3) == 1) {
                b.reshape(name, mapped, t.dim(0), t.dim(1));
            } else {
                b.rename(name, mapped);
            }
        }
        if (!unknown.isEmpty()) {
            throw new WeightFileException(ldm.origin(), null, unknown.size() + " tensor(s) are not part of the FLUX"
                    + " VAE (" + String.join(", ", unknown.subList(0, Math.min(8, unknown.size())))
                    + (unknown.size() > 8 ? ", ..." : "") + "); is this the VAE of another model? Z-Image needs"
                    + " ComfyUI's ae.safetensors or the model's vae/ folder");
        }
        return b.build();
    }

    /**
     * True for the diffusers names of the mid-block attention's q/k/v/out weights: linear {@code [C, C]} in
     * diffusers, 1×1 convolutions {@code [C, C, 1, 1]} under LDM names.
     */
    public static boolean isAttentionProjection(String diffusersName) {
        return ATTENTION_PROJECTION.matcher(diffusersName).matches();
    }

    private static String resnetPart(String ldm) {
        return ldm.equals("nin_shortcut") ? "conv_shortcut" : ldm;
    }

    private static String attentionPart(String ldm) {
        return switch (ldm) {
            case "q" -> "to_q";
            case "k" -> "to_k";
            case "v" -> "to_v";
            default -> "to_out.0";
        };
    }

    /**
     * LDM's up block k, counted from the output end, is diffusers' up block N-1-k, counted from the latent end;
     * null when k is not below N.
     */
    private static String upBlock(String k, int upBlocks, String rest) {
        int i = upBlocks - 1 - Integer.parseInt(k);
        return i < 0 ? null : "decoder.up_blocks." + i + rest;
    }
}
