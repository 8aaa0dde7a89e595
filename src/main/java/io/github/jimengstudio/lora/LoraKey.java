package io.github.jimengstudio.lora;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tensor name of a LoRA file split into the module it patches and the part it plays. Every format we accept
 * names its tensors {@code <module><suffix>}; only the suffix spelling differs:
 * <ul>
 *   <li>{@code .lora_A.weight} / {@code .lora_B.weight} (diffusers, PEFT, ai-toolkit, ComfyUI),</li>
 *   <li>{@code .lora_A.<adapter>.weight} (PEFT with a named adapter, e.g. DiffSynth's {@code default}),</li>
 *   <li>{@code .lora_down.weight} / {@code .lora_up.weight} (kohya, musubi-tuner),</li>
 *   <li>{@code .lora.down.weight} / {@code .lora.up.weight} (the "dot" variant),</li>
 *   <li>{@code .alpha} (kohya's scalar; the update is scaled by alpha / rank).</li>
 * </ul>
 * Anything else is kept as {@link Role#UNSUPPORTED} with the reason, so the whole file can be refused by name.
 *
 * @param key      the tensor name as written in the file
 * @param module   the module part, still carrying the file's prefix (e.g. {@code lora_unet_layers_0_attention_to_q})
 * @param role     down (A), up (B), alpha, or unsupported
 * @param adapter  PEFT adapter name for {@code .lora_A.<adapter>.weight}, else null
 * @param problem  for {@link Role#UNSUPPORTED}: what this tensor is and why it is not applied
 */
record LoraKey(String key, String module, Role role, String adapter, String problem) {

    enum Role { DOWN, UP, ALPHA, UNSUPPORTED }

    private static final Pattern PEFT = Pattern.compile("(.+)\\.lora_([AB])(?:\\.([^.]+))?\\.weight");

    static LoraKey parse(String key) {
        if (key.endsWith(".alpha")) {
            return new LoraKey(key, strip(key, ".alpha"), Role.ALPHA, null, null);
        }
        for (String[] s : new String[][] {{".lora_down.weight", "D"}, {".lora_up.weight", "U"},
                {".lora.down.weight", "D"}, {".lora.up.weight", "U"}}) {
            if (key.endsWith(s[0])) {
                return new LoraKey(key, strip(key, s[0]), s[1].equals("D") ? Role.DOWN : Role.UP, null, null);
            }
        }
        Matcher m = PEFT.matcher(key);
        if (m.matches()) {
            return new LoraKey(key, m.group(1), m.group(2).equals("A") ? Role.DOWN : Role.UP, m.group(3), null);
        }
        return new LoraKey(key, key, Role.UNSUPPORTED, null, unsupportedReason(key));
    }

    private static String strip(String key, String suffix) {
        return key.substring(0, key.length() - suffix.length());
    }

    /** Names the kind of tensor, so the refusal says "LyCORIS LoKr" rather than just "unknown key". */
    static String unsupportedReason(String key) {
        if (key.contains("lokr_")) {
            return "LyCORIS LoKr factor (LoKr is not supported; diffusers does not load it either)";
        }
        if (key.contains("hada_")) {
            return "LyCORIS LoHa factor (LoHa is not supported)";
        }
        if (key.contains("dora_scale") || key.contains("lora_magnitude_vector")) {
            return "DoRA magnitude (DoRA is not supported; applying the LoRA without it would give a wrong image)";
        }
        if (key.contains("lora_mid")) {
            return "LoCon mid (convolution) factor, not a linear LoRA";
        }
        if (key.endsWith(".diff") || key.endsWith(".diff_b")) {
            return "full weight difference, not a low-rank factor (not supported)";
        }
        if (key.contains("lora_B") && key.endsWith(".bias")) {
            return "LoRA bias (PEFT lora_bias, not supported)";
        }
        return "not a LoRA factor (expected .lora_A/.lora_B, .lora_down/.lora_up or .alpha)";
    }
}
