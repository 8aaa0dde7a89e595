package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.provenance.A1111Parameters;
import io.github.jimengstudio.provenance.PngText;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import io.github.jimengstudio.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated PNG carries A1111's {@code Model hash} and {@code Lora hashes}, as Civitai and other readers parse
 * them: read back by the project's A1111-style parser and by exiftool (which .ci/run installs).
 */
class ResourceHashesInPngTest {

    @TempDir
    Path tmp;

    /** The expected hashes, computed here from the files' bytes (not through FileHashes). */
    private static String sha256(byte[]... parts) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            sha.update(p);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void thePngNamesTheTransformerAndLoraByTheirA1111HashesForOtherReaders() throws Exception {
        Path model = Golden.file("e2e-tiny/model");
        Path png = tmp.resolve("fox.png");
        Run run = Run.of(tmp, "generate", "--model", model.toString(), "--prompt", "a red fox", "--seed", "42",
                "--steps", "1", "--size", "64x64", "--lora-dir", Golden.file("lora-tiny").toString(), "--lora",
                "peft:0.8", "--out", png.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("Hashing the transformer for the A1111 'Model hash'"), run.err());

        String modelHash = sha256(Files.readAllBytes(model.resolve(
                "transformer/diffusion_pytorch_model-00001-of-00002.safetensors")), Files.readAllBytes(model.resolve(
                "transformer/diffusion_pytorch_model-00002-of-00002.safetensors"))).substring(0, 10);
        byte[] lora = Files.readAllBytes(Golden.file("lora-tiny/peft.safetensors"));
        long header = ByteBuffer.wrap(lora, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String loraHash = sha256(Arrays.copyOfRange(lora, (int) (8 + header), lora.length)).substring(0, 12);

        String parameters = ProvenanceCodec.readSettingsChunks(png).stream()
                .filter(t -> t.keyword().equals("parameters")).map(PngText::text).findFirst().orElseThrow();
        Map<String, String> settings = A1111Parameters.settings(parameters);
        assertEquals(modelHash, settings.get("Model hash"), parameters);
        assertEquals("peft: " + loraHash, settings.get("Lora hashes"), parameters);
        assertEquals("peft:0.8", settings.get("Loras"), parameters);
        assertTrue(parameters.startsWith("a red fox\n"), "the prompt stays as typed, no <lora:> tag: " + parameters);
        assertTrue(parameters.contains(", Model hash: " + modelHash + ", Model: "), "A1111's order: " + parameters);
        assertEquals(GenerationRequest.builder("a red fox").seed(42).steps(1).size(64, 64)
                .loras(List.of(new LoraUse("peft", 0.8))).build(), A1111Parameters.parse(parameters));

        // exiftool, as a reader outside the project sees the tEXt chunk
        Process exiftool = new ProcessBuilder("exiftool", "-s3", "-Parameters", png.toString())
                .redirectErrorStream(true).start();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        exiftool.getInputStream().transferTo(seen);
        assertTrue(exiftool.waitFor(60, TimeUnit.SECONDS));
        String byExiftool = seen.toString(StandardCharsets.UTF_8);
        assertEquals(0, exiftool.exitValue(), byExiftool);
        assertTrue(byExiftool.contains("Model hash: " + modelHash), byExiftool);
        assertTrue(byExiftool.contains("Lora hashes: \"peft: " + loraHash + "\""), byExiftool);

        // a second run hashes nothing: the sums are remembered by path, size and time
        Run again = Run.of(tmp, "generate", "--model", model.toString(), "--prompt", "a red fox", "--seed", "43",
                "--steps", "1", "--size", "64x64", "--out", tmp.resolve("b.png").toString());
        assertEquals(0, again.status(), again.err());
        assertTrue(!again.err().contains("Hashing the transformer"), again.err());
    }
}
