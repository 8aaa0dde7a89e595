package io.github.jimengstudio.pipeline;

/**
 * A network produced NaN or infinite values. Raised at once, naming where, instead of letting the pipeline decode
 * a black or garbage image. The message suggests what to change (usually the precision).
 */
public class NonFiniteValuesException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Stage stage;
    private final int step;

    public NonFiniteValuesException(Stage stage, int step, String message) {
        super(message);
        this.stage = stage;
        this.step = step;
    }

    /** The stage that produced the values. */
    public Stage stage() {
        return stage;
    }

    /** The 1-based denoising step, or 0 outside denoising. */
    public int step() {
        return step;
    }

    /** The number of NaN/infinite values in {@code values}. */
    public static int count(float[] values) {
        int bad = 0;
        for (float v : values) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        return bad;
    }

    /** What to try, given the precision the networks ran in ({@code bfloat16}, {@code float32}, ...). */
    static String advice(String precision) {
        if ("float32".equals(precision)) {
            return "It ran in float32 already, so this points at damaged or mismatched weight files or an extreme "
                    + "setting: check the model files, and lower the guidance or LoRA strength.";
        }
        return "Half-precision overflow is the usual cause: run with precision FLOAT32 (command line: "
                + "--precision float32), which needs twice the memory for the transformer.";
    }
}
