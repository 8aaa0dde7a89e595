package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.provenance.A1111Parameters;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.provenance.ProvenanceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings a PNG given with {@code --from} records: the request that made it (from the JSON record, else the
 * A1111 {@code parameters}) and, when the JSON record is there, the identity of the model it was made with.
 *
 * @param request       the recorded request, seed included
 * @param modelIdentity the recorded model identity, or null when the PNG holds only A1111 {@code parameters}
 * @param notApplied    what another tool's {@code parameters} set that this one does not use ({@code Key: value},
 *                      in the text's order), so the user knows the image will differ for more than the model
 */
record RecordedSettings(GenerationRequest request, String modelIdentity, List<String> notApplied) {

    /** The {@code parameters} keys that reach the request ({@link A1111Parameters#parse}). */
    static final Set<String> APPLIED = Set.of("Steps", "CFG scale", "Seed", "Size", "Loras", "CFG truncation",
            "CFG normalization");
    /** What every tool writes about itself rather than the image: not a setting to apply. */
    static final Set<String> ABOUT_THE_TOOL = Set.of("Version");
    /** What our own {@code parameters} say beside the settings (an image whose JSON record was stripped). */
    static final Set<String> OURS_BESIDES = Set.of("Model", "Model hash", "Lora hashes", "Sampler");

    /** @throws UsageException naming the file and what is wrong with it (missing, not a PNG, no settings) */
    static RecordedSettings read(Path png) throws UsageException {
        try {
            List<PngText> texts = ProvenanceCodec.readSettingsChunks(png);
            Optional<GenerationRecord> record = ProvenanceCodec.recordFromPng(texts);
            GenerationRequest request = ProvenanceCodec.requestFromPng(texts);
            List<String> notApplied = record.isPresent() ? List.of() : texts.stream()
                    .filter(t -> t.keyword().equals(ProvenanceCodec.PARAMETERS_KEYWORD)).findFirst()
                    .map(t -> notApplied(A1111Parameters.settings(t.text()), request)).orElse(List.of());
            return new RecordedSettings(request, record.map(GenerationRecord::modelIdentity).orElse(null),
                    notApplied);
        } catch (NoSuchFileException e) {
            throw new UsageException("--from '" + png + "': no such file.");
        } catch (IOException | ProvenanceException e) {
            throw new UsageException("--from '" + png + "': " + e.getMessage());
        }
    }

    /**
     * The settings of an A1111-style {@code parameters} text that do not reach the request: another tool's sampler,
     * scheduler, hires fix, VAE, model, clip skip, ...; and its {@code <lora:...>} prompt tags, which stay prompt text.
     */
    static List<String> notApplied(Map<String, String> settings, GenerationRequest request) {
        boolean ours = settings.getOrDefault("Version", "").startsWith("Jimeng Studio");
        List<String> skipped = new ArrayList<>();
        settings.forEach((key, value) -> {
            if (!APPLIED.contains(key) && !ABOUT_THE_TOOL.contains(key) && !(ours && OURS_BESIDES.contains(key))) {
                skipped.add(key + ": " + value);
            }
        });
        Matcher tag = LORA_TAG.matcher(request.prompt());
        while (tag.find()) {
            skipped.add("the prompt's " + tag.group() + " (kept as prompt text; give --lora NAME:STRENGTH)");
        }
        return skipped;
    }

    private static final Pattern LORA_TAG = Pattern.compile("<lora:[^>]*>");

    /** True when both name one file (the same path, or the same file through a link or another spelling). */
    static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
