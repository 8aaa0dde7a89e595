package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.DevicePreference;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code jimeng generate}'s options, parsed and validated: the request is checked completely here, before the
 * model is searched for or any native code runs. With {@code --from IMAGE.png} the request starts as the one recorded
 * in that PNG (its JSON record, else its A1111 {@code parameters}) and the options given override it.
 *
 * @param request   the generation request; its seed is null when none was given (one is drawn at run time)
 * @param model     the folder given with {@code --model}, or null to search the usual places
 * @param out       the PNG to write (replaced if it exists), or null for {@code jimeng-<seed>.png} in the current
 *                  folder, with {@code -1}, {@code -2}, ... added when that name is taken
 * @param device    {@code --device}
 * @param loraDir   {@code --lora-dir}, or null for the default LoRA folder
 * @param quiet     print only errors: no progress bar, notes or "Wrote" line
 * @param from      the PNG given with {@code --from}, or null
 * @param fromModel the model identity recorded in that PNG, or null (none given, or no JSON record in it)
 * @param batch     how many images, with seeds s, s+1, ... ({@code --batch}, default 1)
 * @param fromNotApplied what the {@code --from} image's other tool set that is not applied ({@code Key: value})
 */
record GenerateOptions(GenerationRequest request, Path model, Path out, DevicePreference device, Path loraDir,
        boolean quiet, Path from, String fromModel, int batch, List<String> fromNotApplied) {

    /** A bound on {@code --batch}: a typo (1000 for 10) should not start a night of generation. */
    static final int MAX_BATCH = 100;

    static final Set<String> WITH_VALUE = Set.of("--prompt", "--model", "--seed", "--steps", "--size", "--guidance",
            "--negative", "--negative-prompt", "--lora", "--lora-dir", "--device", "--memory-mode", "--precision",
            "--cfg-truncation", "--cfg-normalization", "--out", "--from", "--batch");
    static final Set<String> FLAGS = Set.of("--quiet");

    static final String USAGE = String.join("\n",
            "Usage: jimeng generate --prompt \"...\" [options]",
            "       jimeng generate --from IMAGE.png [options]",
            "",
            "Generates one image with Z-Image-Turbo and writes it as a PNG that records how it was made (prompt,",
            "seed, size, steps, guidance, LoRAs, model, version), so that --from can make it again.",
            "",
            "  --prompt TEXT            what to draw (required without --from)",
            "  --from IMAGE.png         start from the settings recorded in a PNG made by Jimeng Studio (or one",
            "                           with A1111 'parameters'); the same settings give the same pixels. Options",
            "                           given override them: --seed random for a variation, --lora replaces its",
            "                           LoRAs (--lora none drops them). Give --lora-dir and --model as for any run",
            "  --model DIR              the model: a Hugging Face folder, the Hugging Face cache, or a ComfyUI",
            "                           models folder. Without it: $JIMENG_MODEL, Fiji's models folder, the",
            "                           Hugging Face cache and the usual ComfyUI folders are searched",
            "  --seed N                 0 to 18446744073709551615; -1 or random: a random one (the default),",
            "                           drawn from 0 to 4294967295, the seeds that give different images",
            "                           (torch's CPU generator uses the low 32 bits). Printed and recorded",
            "  --batch N                N images with seeds s, s+1, ..., each its own PNG; the model loads once",
            "                           (1 to 100, default 1)",
            "  --steps N                1 to 100 (default 8, the Turbo recipe)",
            "  --size WxH               WIDTH x HEIGHT in pixels, width first, multiples of 16 from 64 to 4096",
            "                           (default 1024x1024; 192x256 is 192 wide and 256 high)",
            "  --guidance G             classifier-free guidance, 0 to 50 (default 0, the Turbo recipe;",
            "                           g > 0 runs a negative pass per step: pos + g*(pos - neg))",
            "  --negative TEXT          negative prompt, used when guidance > 0 (alias --negative-prompt)",
            "  --cfg-truncation X       no guidance in steps whose model time exceeds X, 0 to 1 (default 1)",
            "  --cfg-normalization K    cap the guided prediction's norm at K times the prompt's (default 0: off)",
            "  --lora NAME[:STRENGTH]   apply a LoRA from the LoRA folder (repeatable; strength default 1.0);",
            "                           --lora none: no LoRA",
            "  --lora-dir DIR           the LoRA folder (default: lora/ in the project folder)",
            "  --device auto|cpu|gpu    where to run (default auto: the GPU when there is one)",
            "  --memory-mode MODE       gpu | balanced | low-vram | cpu (default balanced)",
            "  --precision P            auto | float32 | bfloat16 for the transformer and text encoder",
            "                           (default auto: bfloat16 on a GPU, float32 on a CPU; the VAE is float32)",
            "  --out FILE.png           where to write the image; an existing file is replaced (not with",
            "                           --batch). Default jimeng-<seed>.png in the current folder, never",
            "                           replacing a file: jimeng-<seed>-1.png, -2, ... when the name is taken",
            "  --quiet                  print only errors (no progress, notes or 'Wrote' line)");

    static GenerateOptions parse(List<String> args) throws UsageException {
        Arguments a = Arguments.parse("generate", args, WITH_VALUE, FLAGS);
        String prompt = a.one("--prompt");
        String fromName = a.one("--from");
        Path from = fromName == null ? null : Path.of(fromName);
        GenerationRequest.Builder b;
        String fromModel = null;
        List<String> fromNotApplied = List.of();
        if (from != null) {
            RecordedSettings recorded = RecordedSettings.read(from);
            b = recorded.request().toBuilder();
            fromModel = recorded.modelIdentity();
            fromNotApplied = recorded.notApplied();
            if (prompt != null) {
                b.prompt(prompt);
            }
        } else if (prompt == null) {
            throw new UsageException("generate needs --prompt \"...\" (what to draw), or --from IMAGE.png to make "
                    + "an image again.");
        } else {
            b = GenerationRequest.builder(prompt);
        }
        if (a.has("--negative") && a.has("--negative-prompt")) {
            throw new UsageException("--negative and --negative-prompt are the same option; give one.");
        }
        String negative = a.has("--negative") ? a.one("--negative") : a.one("--negative-prompt");
        if (negative != null) {
            b.negativePrompt(negative);
        }
        String seed = a.one("--seed");
        // -1 is how A1111, ComfyUI and Fiji's command ask for a random seed
        if (seed != null && (seed.equalsIgnoreCase("random") || seed.strip().equals("-1"))) {
            b.randomSeed();
        } else if (seed != null && seed.strip().startsWith("-")) {
            throw new UsageException("--seed '" + seed + "': give -1 (or random) for a random seed, else a whole "
                    + "number from 0 to " + Long.toUnsignedString(-1L) + ".");
        } else if (seed != null) {
            b.seed(parse("--seed", () -> GenerationRequest.parseSeed(seed)));
        }
        String steps = a.one("--steps");
        if (steps != null) {
            b.steps(integer("--steps", steps));
        }
        String size = a.one("--size");
        if (size != null) {
            int[] wh = size("--size", size);
            b.size(wh[0], wh[1]);
        }
        String guidance = a.one("--guidance");
        if (guidance != null) {
            b.guidance(decimal("--guidance", guidance));
        }
        String truncation = a.one("--cfg-truncation");
        if (truncation != null) {
            b.cfgTruncation(decimal("--cfg-truncation", truncation));
        }
        String normalization = a.one("--cfg-normalization");
        if (normalization != null) {
            b.cfgNormalization(decimal("--cfg-normalization", normalization));
        }
        if (a.has("--lora")) { // without it, --from keeps the recorded LoRAs
            List<String> specs = a.all("--lora");
            List<LoraUse> loras = new ArrayList<>();
            if (specs.stream().anyMatch(spec -> spec.strip().equalsIgnoreCase("none"))) {
                if (specs.size() > 1) {
                    throw new UsageException("--lora none means no LoRA; give it alone, not with other --lora.");
                }
            } else {
                for (String spec : specs) {
                    loras.add(parse("--lora", () -> LoraUse.parse(spec)));
                }
            }
            b.loras(loras);
        }
        String mode = a.one("--memory-mode");
        if (mode != null) {
            b.memoryMode(choice("--memory-mode", mode, MemoryMode.class));
        }
        String precision = a.one("--precision");
        if (precision != null) {
            Precision p = Precision.named(precision);
            if (p == null) {
                throw new UsageException("--precision '" + precision + "' is not one of auto, float32, bfloat16 (or"
                        + " fp32, bf16).");
            }
            b.precision(p);
        }
        DevicePreference device = DevicePreference.AUTO;
        String d = a.one("--device");
        if (d != null) {
            device = choice("--device", d, DevicePreference.class);
        }
        GenerationRequest request;
        try {
            request = b.build();
        } catch (InvalidRequestException e) {
            throw new UsageException(flagOf(e.getMessage()) + ": " + e.getMessage());
        }
        String out = a.one("--out");
        if (out != null && !out.toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new UsageException("--out '" + out + "': the image is written as PNG; give a name ending in .png.");
        }
        if (out != null && from != null && RecordedSettings.sameFile(Path.of(out), from)) {
            throw new UsageException("--out '" + out + "' is the --from image; give another --out so that the "
                    + "original stays.");
        }
        int batch = 1;
        String batchText = a.one("--batch");
        if (batchText != null) {
            batch = integer("--batch", batchText);
            if (batch < 1 || batch > MAX_BATCH) {
                throw new UsageException("--batch " + batch + " is not from 1 to " + MAX_BATCH + ".");
            }
        }
        if (batch > 1 && out != null) {
            throw new UsageException("--out names one file, --batch " + batch + " makes " + batch + " images; leave"
                    + " out --out: each image gets its own jimeng-<seed>.png in the current folder.");
        }
        String model = a.one("--model");
        String loraDir = a.one("--lora-dir");
        return new GenerateOptions(request, model == null ? null : Path.of(model), out == null ? null : Path.of(out),
                device, loraDir == null ? null : Path.of(loraDir), a.has("--quiet"), from, fromModel, batch,
                fromNotApplied);
    }

    /**
     * The option a request validation message is about. GenerationRequest's messages start with the field's name
     * ("width is ...", "The negative prompt has ..."), which is what this reads.
     */
    static String flagOf(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.startsWith("width") || m.startsWith("height")) {
            return "--size";
        }
        if (m.startsWith("the negative prompt")) {
            return "--negative";
        }
        for (String[] pair : new String[][] {{"steps", "--steps"}, {"guidance", "--guidance"},
            {"cfg truncation", "--cfg-truncation"}, {"cfg normalization", "--cfg-normalization"},
            {"the prompt", "--prompt"}, {"lora", "--lora"}}) {
            if (m.startsWith(pair[0])) {
                return pair[1];
            }
        }
        return "generate";
    }

    /**
     * The name wanted for the image of a resolved seed: {@code --out}, else {@code jimeng-<seed>.png} (relative to
     * the current folder). A default name is only a wish: {@link OutputName#claim} adds {@code -1}, {@code -2}, ...
     * when it is taken, which also keeps the {@code --from} image.
     */
    Path outFor(GenerationRequest resolved) {
        return out != null ? out : Path.of("jimeng-" + resolved.seedString() + ".png");
    }

    /**
     * The requests of the batch: the resolved one and then seeds s+1, s+2, ... (unsigned, wrapping as torch's
     * 64-bit seeds do).
     */
    List<GenerationRequest> batchOf(GenerationRequest resolved) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            requests.add(i == 0 ? resolved : resolved.toBuilder().seed(resolved.seed() + i).build());
        }
        return requests;
    }

    /** {@code WxH}: width first. Also accepts X and × as the separator. */
    static int[] size(String flag, String text) throws UsageException {
        String[] parts = text.trim().split("[xX×]", -1);
        if (parts.length != 2) {
            throw new UsageException(flag + " '" + text + "' is not WIDTHxHEIGHT (for example 1024x768: width first).");
        }
        return new int[] {integer(flag + " width", parts[0]), integer(flag + " height", parts[1])};
    }

    static int integer(String flag, String text) throws UsageException {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            if (text.trim().matches("[+-]?\\d+")) { // a whole number, but beyond any value an option takes
                throw new UsageException(flag + " '" + text + "' is far out of range ('jimeng generate --help' gives "
                        + "the allowed values).");
            }
            throw new UsageException(flag + " '" + text + "' is not a whole number.");
        }
    }

    static double decimal(String flag, String text) throws UsageException {
        try {
            double v = Double.parseDouble(text.trim());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " '" + text + "' is not a finite number.");
        }
    }

    static <E extends Enum<E>> E choice(String flag, String text, Class<E> type) throws UsageException {
        String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new UsageException(flag + " '" + text + "' is not one of " + String.join(", ", names) + ".");
    }

    /** Something that may throw InvalidRequestException, reported under the flag's name. */
    @FunctionalInterface
    interface Parse<T> {
        T get();
    }

    static <T> T parse(String flag, Parse<T> p) throws UsageException {
        try {
            return p.get();
        } catch (InvalidRequestException e) {
            throw new UsageException(flag + ": " + e.getMessage());
        }
    }
}
