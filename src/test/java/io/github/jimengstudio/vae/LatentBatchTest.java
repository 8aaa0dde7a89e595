package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LatentBatchTest {

    private static String refusal(float[] values, long... shape) {
        return assertThrows(InvalidLatentException.class, () -> LatentBatch.of(values, shape)).getMessage();
    }

    @Test
    void denormalisationIsBitExactToThePipelinesVaeInput() throws IOException {
        VaeConfig config = VaeConfig.read(Golden.file("vae-tiny/config.json"));
        try (SafetensorsFile cases = SafetensorsFile.open(Golden.file("vae-tiny/cases.safetensors"))) {
            for (int c = 0; c < 3; c++) {
                String p = "case" + c + ".pipeline.";
                LatentBatch z = LatentBatch.of(cases.floats(p + "latents"), cases.info(p + "latents").shape());
                assertArrayEquals(cases.floats(p + "vae_input"), z.denormalized(config).values(), p);
            }
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(Golden.file("e2e-tiny/expected"))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(4, files.size());
        for (Path f : files) {
            try (SafetensorsFile e = SafetensorsFile.open(f)) {
                LatentBatch z = LatentBatch.of(e.floats("final_latents"), e.info("final_latents").shape());
                assertArrayEquals(e.floats("vae_input"), z.denormalized(config).values(), f.toString());
            }
        }
    }

    @Test
    void wrongShapesAreRefusedWithTheFix() {
        assertTrue(refusal(new float[4 * 64], 1, 4, 8, 8).contains("has 4 channels; the FLUX VAE of Z-Image decodes"
                + " 16 (a 4-channel latent belongs to a Stable Diffusion VAE)"));
        assertTrue(refusal(new float[16 * 64], 16, 8, 8).contains("the VAE decodes [batch, 16, height, width]"));
        assertTrue(refusal(new float[16 * 63], 1, 16, 7, 9).contains("[1, 16, 7, 9] has an odd or too small side"));
        assertTrue(refusal(new float[16 * 8], 1, 16, 8, 1).contains("odd or too small side"));
        assertTrue(refusal(new float[0], 0, 16, 8, 8).contains("latent batch is 0"));
        assertTrue(refusal(new float[16 * 63], 1, 16, 8, 8).contains("needs 1024 values, got 1008"));
        assertTrue(refusal(new float[0], 1, 16, 8192, 8192).contains("more than one image can hold"));
        assertTrue(refusal(new float[0], 1, 16, -2, 8).contains("out of range"));
    }

    @Test
    void nonFiniteValuesAreRefusedWithThePlaceOfTheFirst() {
        float[] v = new float[2 * 16 * 4 * 6];
        v[16 * 24 + 5 * 24 + 2 * 6 + 3] = Float.NaN; // batch 1, channel 5, row 2, column 3
        v[v.length - 1] = Float.NEGATIVE_INFINITY;
        String m = refusal(v, 2, 16, 4, 6);
        assertTrue(m.startsWith("latent holds NaN at [1, 5, 2, 3] (2 non-finite of 768 values): the sampling"
                + " diverged, so there is no picture to decode."), m);
        float[] inf = new float[16 * 4];
        inf[0] = Float.POSITIVE_INFINITY;
        assertTrue(refusal(inf, 1, 16, 2, 2).startsWith("latent holds Infinity at [0, 0, 0, 0]"));
    }

    @Test
    void aValidLatentKeepsItsShape() {
        LatentBatch z = LatentBatch.of(new float[2 * 16 * 4 * 6], 2, 16, 4, 6);
        assertArrayEquals(new long[] {2, 16, 4, 6}, z.shape());
        assertEquals(6, z.width());
        assertEquals(4, z.height());
    }
}
