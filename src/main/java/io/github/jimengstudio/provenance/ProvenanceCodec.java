package io.github.jimengstudio.provenance;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link GenerationRecord} written into image metadata and read back (DESIGN §7), with no ImageJ types:
 * <ul>
 *   <li>flat properties {@code jimeng.prompt}, {@code jimeng.seed}, … plus {@code jimeng.record}, the full JSON
 *       (ImageJ keeps them as image properties, also in TIFFs);</li>
 *   <li>a readable Info block that ends with the JSON record (ImageJ's Info, shown by Image › Show Info);</li>
 *   <li>PNG text chunks: A1111 {@code parameters}, the JSON record as iTXt {@code jimeng.record}, and XMP marking
 *       the picture as made by a trained model (IPTC DigitalSourceType {@code trainedAlgorithmicMedia}).</li>
 * </ul>
 * Reading any of them yields the {@link GenerationRequest} that regenerates the same pixels; the JSON record is the
 * exact form and is preferred wherever it is present.
 */
public final class ProvenanceCodec {
    private ProvenanceCodec() {}

    public static final String PREFIX = "jimeng.";
    public static final String RECORD_KEY = "jimeng.record";
    /** The A1111 chunk's keyword. */
    public static final String PARAMETERS_KEYWORD = "parameters";
    /** The standard keyword of an XMP packet in a PNG. */
    public static final String XMP_KEYWORD = "XML:com.adobe.xmp";
    public static final String DIGITAL_SOURCE_TYPE =
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    /** The property that flags a picture as synthetic (value {@link #DIGITAL_SOURCE_TYPE}). */
    public static final String SOURCE_TYPE_KEY = "jimeng.digital_source_type";
    /** The first line of the Info block: a synthetic picture must never pass for an acquired one. */
    public static final String AI_NOTICE = "AI-generated image (IPTC digital source type: trainedAlgorithmicMedia), "
            + "not a measurement.";
    /** The line before the JSON record in the Info block. */
    static final String RECORD_HEADING = "Generation record (JSON):";

    // ---- writing ---------------------------------------------------------------------------------------------

    /** The flat properties, in a fixed order; the seed is the unsigned decimal. */
    public static Map<String, String> properties(GenerationRecord record) {
        GenerationRequest r = record.request();
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PREFIX + "prompt", r.prompt());
        p.put(PREFIX + "negative_prompt", r.negativePrompt());
        p.put(PREFIX + "seed", r.seedString());
        p.put(PREFIX + "steps", Integer.toString(r.steps()));
        p.put(PREFIX + "guidance", Double.toString(r.guidance()));
        p.put(PREFIX + "width", Integer.toString(r.width()));
        p.put(PREFIX + "height", Integer.toString(r.height()));
        p.put(PREFIX + "loras", A1111Parameters.loras(r.loras()));
        p.put(PREFIX + "cfg_truncation", Double.toString(r.cfgTruncation()));
        p.put(PREFIX + "cfg_normalization", Double.toString(r.cfgNormalization()));
        p.put(PREFIX + "memory_mode", r.memoryMode().name());
        p.put(PREFIX + "requested_precision", r.precision().name());
        p.put(PREFIX + "model", record.modelIdentity());
        p.put(PREFIX + "version", record.softwareVersion());
        p.put(PREFIX + "device", record.device());
        p.put(PREFIX + "precision", record.precision());
        p.put(PREFIX + "engine", record.engine());
        p.put(PREFIX + "sampler", record.sampler());
        p.put(PREFIX + "created", record.created().toString());
        p.put(SOURCE_TYPE_KEY, DIGITAL_SOURCE_TYPE);
        p.put(RECORD_KEY, record.toJson());
        return p;
    }

    /** The readable block: the AI notice, {@link GenerationRecord#toText()}, then the JSON record. */
    public static String info(GenerationRecord record) {
        return AI_NOTICE + "\n" + record.toText() + RECORD_HEADING + "\n" + record.toJson() + "\n";
    }

    /** The A1111 {@code parameters} text. */
    public static String parameters(GenerationRecord record) {
        return A1111Parameters.format(record);
    }

    /** An XMP packet with the IPTC digital source type, the tool, the time and the prompt. */
    public static String xmp(GenerationRecord record) {
        return "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                + " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                + "  <rdf:Description rdf:about=\"\"\n"
                + "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
                + "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
                + "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                + "    Iptc4xmpExt:DigitalSourceType=\"" + DIGITAL_SOURCE_TYPE + "\"\n"
                + "    Iptc4xmpExt:AISystemUsed=\"Z-Image-Turbo\"\n"
                + "    Iptc4xmpExt:AISystemVersionUsed=\"" + xml(record.modelIdentity()) + "\"\n"
                + "    xmp:CreatorTool=\"" + xml(record.softwareVersion()) + "\"\n"
                + "    xmp:CreateDate=\"" + record.created() + "\">\n"
                + "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml(record.request().prompt())
                + "</rdf:li></rdf:Alt></dc:description>\n"
                + "  </rdf:Description>\n"
                + " </rdf:RDF>\n"
                + "</x:xmpmeta>\n"
                + "<?xpacket end=\"r\"?>";
    }

    /** XML text: markup characters escaped, characters XML 1.0 forbids replaced by a space. */
    private static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF
                        ? ' ' : c);
            }
        }
        return sb.toString();
    }

    /**
     * The PNG chunks: {@code parameters} (tEXt when Latin-1 can hold it, else iTXt, as PIL does), the JSON record
     * (iTXt {@code jimeng.record}) and the XMP packet.
     */
    public static List<PngText> pngTexts(GenerationRecord record) {
        return pngTexts(record, ResourceHashes.NONE);
    }

    /** {@link #pngTexts(GenerationRecord)} with {@code Model hash} and {@code Lora hashes} in {@code parameters}. */
    public static List<PngText> pngTexts(GenerationRecord record, ResourceHashes hashes) {
        String parameters = A1111Parameters.format(record, hashes);
        List<PngText> texts = new ArrayList<>();
        texts.add(java.nio.charset.StandardCharsets.ISO_8859_1.newEncoder().canEncode(parameters)
                ? PngText.latin1(PARAMETERS_KEYWORD, parameters) : PngText.utf8(PARAMETERS_KEYWORD, parameters));
        texts.add(PngText.utf8(RECORD_KEY, record.toJson()));
        texts.add(PngText.utf8(XMP_KEYWORD, xmp(record)));
        return texts;
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    /** The record in the properties {@code lookup} answers (null for absent keys), if they hold one. */
    public static Optional<GenerationRecord> recordFromProperties(Function<String, String> lookup) {
        String json = lookup.apply(RECORD_KEY);
        return json == null || json.isBlank() ? Optional.empty() : Optional.of(parseRecord(json, "property "
                + RECORD_KEY));
    }

    /**
     * The request the properties describe: from {@code jimeng.record} when present, else from the flat keys.
     *
     * @throws ProvenanceException when neither is there, naming what is missing
     */
    public static GenerationRequest requestFromProperties(Function<String, String> lookup) {
        Optional<GenerationRecord> record = recordFromProperties(lookup);
        if (record.isPresent()) {
            return record.get().request();
        }
        String prompt = lookup.apply(PREFIX + "prompt");
        if (prompt == null) {
            throw new ProvenanceException("This image has no Jimeng Studio provenance (no " + RECORD_KEY + " or "
                    + PREFIX + "prompt property). Choose an image generated by Jimeng Studio, or a TIFF or PNG "
                    + "saved with its provenance.");
        }
        try {
            GenerationRequest.Builder b = GenerationRequest.builder(prompt)
                    .negativePrompt(orEmpty(lookup.apply(PREFIX + "negative_prompt")))
                    .size(Integer.parseInt(flat(lookup, "width")), Integer.parseInt(flat(lookup, "height")))
                    .steps(Integer.parseInt(flat(lookup, "steps")))
                    .guidance(Double.parseDouble(flat(lookup, "guidance")))
                    .seed(GenerationRequest.parseSeed(flat(lookup, "seed")))
                    .loras(A1111Parameters.parseLoras(orEmpty(lookup.apply(PREFIX + "loras"))));
            String truncation = lookup.apply(PREFIX + "cfg_truncation");
            if (truncation != null) {
                b.cfgTruncation(Double.parseDouble(truncation));
            }
            String normalization = lookup.apply(PREFIX + "cfg_normalization");
            if (normalization != null) {
                b.cfgNormalization(Double.parseDouble(normalization));
            }
            String memory = lookup.apply(PREFIX + "memory_mode");
            if (memory != null) {
                b.memoryMode(MemoryMode.valueOf(memory.strip().toUpperCase(Locale.ROOT)));
            }
            String precision = lookup.apply(PREFIX + "requested_precision");
            if (precision != null) {
                b.precision(Precision.valueOf(precision.strip().toUpperCase(Locale.ROOT)));
            }
            return b.build();
        } catch (IllegalArgumentException e) { // also NumberFormatException, InvalidRequestException
            if (e instanceof ProvenanceException p) {
                throw p;
            }
            throw new ProvenanceException("The image's " + PREFIX + "* properties do not describe a valid request: "
                    + e.getMessage(), e);
        }
    }

    private static String flat(Function<String, String> lookup, String key) {
        String v = lookup.apply(PREFIX + key);
        if (v == null) {
            throw new ProvenanceException("The image's provenance lacks the property " + PREFIX + key + ".");
        }
        return v.strip();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** The record at the end of an Info block written by {@link #info}, if there is one. */
    public static Optional<GenerationRecord> recordFromInfo(String info) {
        if (info == null) {
            return Optional.empty();
        }
        int at = info.lastIndexOf(RECORD_HEADING);
        if (at < 0) {
            return Optional.empty();
        }
        return Optional.of(parseRecord(info.substring(at + RECORD_HEADING.length()).strip(), "the Info text"));
    }

    /** @throws ProvenanceException when the Info text holds no generation record */
    public static GenerationRequest requestFromInfo(String info) {
        return recordFromInfo(info).orElseThrow(() -> new ProvenanceException("The image's Info text holds no "
                + "Jimeng Studio generation record (a line '" + RECORD_HEADING + "' followed by the JSON)."))
                .request();
    }

    /** The JSON record among a PNG's text chunks, if there is one. */
    public static Optional<GenerationRecord> recordFromPng(List<PngText> texts) {
        for (PngText t : texts) {
            if (t.keyword().equals(RECORD_KEY)) {
                return Optional.of(parseRecord(t.text(), "the PNG's " + RECORD_KEY + " chunk"));
            }
        }
        return Optional.empty();
    }

    /**
     * The request a PNG's chunks describe: the JSON record when present, else the A1111 {@code parameters}.
     *
     * @throws ProvenanceException when there is neither
     */
    public static GenerationRequest requestFromPng(List<PngText> texts) {
        Optional<GenerationRecord> record = recordFromPng(texts);
        if (record.isPresent()) {
            return record.get().request();
        }
        for (PngText t : texts) {
            if (t.keyword().equals(PARAMETERS_KEYWORD)) {
                return A1111Parameters.parse(t.text());
            }
        }
        throw new ProvenanceException("This PNG has no generation settings (neither a " + RECORD_KEY + " nor a "
                + PARAMETERS_KEYWORD + " text chunk).");
    }

    /** {@link #requestFromPng(List)} for a file; only the chunks that can hold settings are read. */
    public static GenerationRequest requestFromPng(Path file) throws IOException {
        return requestFromPng(readSettingsChunks(file));
    }

    /** The PNG's {@code jimeng.record} and {@code parameters} chunks; others are skipped undecompressed. */
    public static List<PngText> readSettingsChunks(Path file) throws IOException {
        return PngTextReader.read(file, k -> k.equals(RECORD_KEY) || k.equals(PARAMETERS_KEYWORD));
    }

    private static GenerationRecord parseRecord(String json, String where) {
        try {
            return GenerationRecord.fromJson(json);
        } catch (InvalidRequestException e) {
            throw new ProvenanceException("The generation record in " + where + " describes an invalid request: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new ProvenanceException("The generation record in " + where + " cannot be read: "
                    + e.getMessage(), e);
        }
    }
}
