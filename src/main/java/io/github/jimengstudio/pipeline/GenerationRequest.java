package io.github.jimengstudio.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Everything that decides an image: what the user asked for. Validated on construction, before any native work,
 * with messages that say what to change.
 *
 * <p>Sizes are in pixels, {@code width} × {@code height} (the command line's {@code --size WxH}). The seed is an
 * unsigned 64-bit number held in a {@code long} ({@code null} means "draw one": {@link #withResolvedSeed} draws it
 * and the drawn value is what gets recorded). Only its low 32 bits reach torch's generator, as in torch itself.
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        int width,
        int height,
        int steps,
        double guidance,
        Long seed,
        List<LoraUse> loras,
        MemoryMode memoryMode,
        Precision precision,
        double cfgTruncation,
        double cfgNormalization) {

    public static final int SIZE_MULTIPLE = 16;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 4096;
    public static final int MAX_STEPS = 100;
    public static final double MAX_GUIDANCE = 50.0;
    /** Far beyond the 512-token encoder limit; only guards against pasting a book into the prompt box. */
    public static final int MAX_PROMPT_CHARS = 20_000;
    /** The Turbo recipe: 8 steps, no guidance, 1024×1024. */
    public static final int DEFAULT_STEPS = 8;
    public static final int DEFAULT_SIZE = 1024;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        loras = loras == null ? List.of() : List.copyOf(loras);
        memoryMode = memoryMode == null ? MemoryMode.BALANCED : memoryMode;
        precision = precision == null ? Precision.AUTO : precision;
        checkPrompt("prompt", prompt);
        checkPrompt("negative prompt", negativePrompt);
        checkSize("width", width);
        checkSize("height", height);
        if (steps < 1 || steps > MAX_STEPS) {
            throw new InvalidRequestException("steps is " + steps + ": use 1 to " + MAX_STEPS
                    + " (Z-Image-Turbo is made for " + DEFAULT_STEPS + ").");
        }
        if (!Double.isFinite(guidance) || guidance < 0 || guidance > MAX_GUIDANCE) {
            throw new InvalidRequestException("guidance is " + guidance + ": use a finite value from 0 to "
                    + MAX_GUIDANCE + " (0 = no guidance, the Turbo default).");
        }
        if (!Double.isFinite(cfgTruncation) || cfgTruncation < 0 || cfgTruncation > 1) {
            throw new InvalidRequestException("cfg truncation is " + cfgTruncation
                    + ": use a value from 0 to 1 (1 = guidance on every step).");
        }
        if (!Double.isFinite(cfgNormalization) || cfgNormalization < 0) {
            throw new InvalidRequestException("cfg normalization is " + cfgNormalization
                    + ": use 0 (off) or a positive factor such as 1.0.");
        }
        for (int i = 0; i < loras.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (loras.get(i).name().equals(loras.get(j).name())) {
                    throw new InvalidRequestException("LoRA '" + loras.get(i).name()
                            + "' is listed twice: give it once, with the summed strength.");
                }
            }
        }
    }

    private static void checkPrompt(String what, String text) {
        if (text.length() > MAX_PROMPT_CHARS) {
            throw new InvalidRequestException("The " + what + " has " + text.length() + " characters; the limit is "
                    + MAX_PROMPT_CHARS + " (and only the first 512 tokens reach the model).");
        }
        if (text.indexOf('\0') >= 0) {
            throw new InvalidRequestException("The " + what + " contains a NUL character: remove it.");
        }
    }

    private static void checkSize(String what, int px) {
        if (px < MIN_SIZE || px > MAX_SIZE || px % SIZE_MULTIPLE != 0) {
            int down = Math.max(MIN_SIZE, Math.min(MAX_SIZE, px / SIZE_MULTIPLE * SIZE_MULTIPLE));
            throw new InvalidRequestException(what + " is " + px + " px: use a multiple of " + SIZE_MULTIPLE
                    + " from " + MIN_SIZE + " to " + MAX_SIZE + " (for example " + down + ").");
        }
    }

    /** True when classifier-free guidance runs (a second, negative pass each step). */
    public boolean usesGuidance() {
        return guidance > 0;
    }

    public boolean hasSeed() {
        return seed != null;
    }

    /**
     * How many seeds give different noise: torch's CPU generator (and its port, TorchCpuRandom) seeds mt19937 with
     * the low 32 bits only, so 2^32 and 0 make the same image. Random seeds are drawn below this bound, so two
     * different drawn seeds never give the same image.
     */
    public static final long DISTINCT_SEEDS = 1L << 32;

    /**
     * This request with a seed: itself if it has one, else a copy with a seed drawn from rng in
     * {@code [0, DISTINCT_SEEDS)} (a typed seed may still be any unsigned 64-bit value, as in torch).
     */
    public GenerationRequest withResolvedSeed(RandomGenerator rng) {
        return seed != null ? this : toBuilder().seed(rng.nextLong(DISTINCT_SEEDS)).build();
    }

    /** The seed as the unsigned decimal users see and type. @throws IllegalStateException when not resolved */
    public String seedString() {
        if (seed == null) {
            throw new IllegalStateException("seed not drawn yet");
        }
        return Long.toUnsignedString(seed);
    }

    /** Parses an unsigned 64-bit seed (0 … 18446744073709551615). */
    public static long parseSeed(String text) {
        try {
            return Long.parseUnsignedLong(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("seed '" + text + "' is not a whole number from 0 to "
                    + Long.toUnsignedString(-1L) + ".");
        }
    }

    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    public Builder toBuilder() {
        Builder b = new Builder(prompt);
        b.negativePrompt = negativePrompt;
        b.width = width;
        b.height = height;
        b.steps = steps;
        b.guidance = guidance;
        b.seed = seed;
        b.loras = loras;
        b.memoryMode = memoryMode;
        b.precision = precision;
        b.cfgTruncation = cfgTruncation;
        b.cfgNormalization = cfgNormalization;
        return b;
    }

    /** Builder with the Turbo defaults: 1024×1024, 8 steps, guidance 0, random seed. */
    public static final class Builder {
        private String prompt;
        private String negativePrompt = "";
        private int width = DEFAULT_SIZE;
        private int height = DEFAULT_SIZE;
        private int steps = DEFAULT_STEPS;
        private double guidance = 0.0;
        private Long seed;
        private List<LoraUse> loras = List.of();
        private MemoryMode memoryMode = MemoryMode.BALANCED;
        private Precision precision = Precision.AUTO;
        private double cfgTruncation = 1.0;
        private double cfgNormalization = 0.0;

        private Builder(String prompt) {
            this.prompt = prompt;
        }

        public Builder prompt(String v) { prompt = v; return this; }
        public Builder negativePrompt(String v) { negativePrompt = v; return this; }
        public Builder size(int w, int h) { width = w; height = h; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder guidance(double v) { guidance = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder randomSeed() { seed = null; return this; }
        public Builder loras(List<LoraUse> v) { loras = v; return this; }
        public Builder memoryMode(MemoryMode v) { memoryMode = v; return this; }
        public Builder precision(Precision v) { precision = v; return this; }
        public Builder cfgTruncation(double v) { cfgTruncation = v; return this; }
        public Builder cfgNormalization(double v) { cfgNormalization = v; return this; }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, negativePrompt, width, height, steps, guidance, seed, loras,
                    memoryMode, precision, cfgTruncation, cfgNormalization);
        }
    }
}
