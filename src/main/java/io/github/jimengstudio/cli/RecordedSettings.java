package io.github.jimengstudio.cli;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.provenance.ProvenanceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The settings a PNG given with {@code --from} records: the request that made it (from the JSON record, else the
 * A1111 {@code parameters}) and, when the JSON record is there, the identity of the model it was made with.
 *
 * @param request       the recorded request, seed included
 * @param modelIdentity the recorded model identity, or null when the PNG holds only A1111 {@code parameters}
 */
record RecordedSettings(GenerationRequest request, String modelIdentity) {

    /** @throws UsageException naming the file and what is wrong with it (missing, not a PNG, no settings) */
    static RecordedSettings read(Path png) throws UsageException {
        try {
            List<PngText> texts = ProvenanceCodec.readSettingsChunks(png);
            Optional<GenerationRecord> record = ProvenanceCodec.recordFromPng(texts);
            return new RecordedSettings(ProvenanceCodec.requestFromPng(texts),
                    record.map(GenerationRecord::modelIdentity).orElse(null));
        } catch (NoSuchFileException e) {
            throw new UsageException("--from '" + png + "': no such file.");
        } catch (IOException | ProvenanceException e) {
            throw new UsageException("--from '" + png + "': " + e.getMessage());
        }
    }

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
