package io.github.jimengstudio.vae;

import static io.github.jimengstudio.testing.Tolerance.assertPixelsMatch;
import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static io.github.jimengstudio.vae.Layers.closing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decoder against golden/vae-tiny (README-te-vae.md §2-3), vae-tiny-ldm and the e2e-tiny VAE stage. */
class VaeDecoderGoldenTest {

    private static VaeDecoder diffusers;
    private static VaeDecoder ldm;
    private static SafetensorsFile cases;

    @BeforeAll
    static void load() throws IOException {
        VaeConfig tiny = VaeConfig.read(Golden.file("vae-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"))) {
            diffusers = VaeDecoder.load(tiny, f);
        }
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny-ldm/ae_tiny_ldm.safetensors"))) {
            ldm = VaeDecoder.load(tiny, f);
        }
        cases = SafetensorsFile.open(Golden.file("vae-tiny/cases.safetensors"));
    }

    @AfterAll
    static void close() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {diffusers, ldm, cases}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Image {@code b} of an NCHW batch as interleaved HWC, values unchanged. */
    private static float[] hwc(float[] nchw, int b, int h, int w) {
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < h * w; p++) {
                out[3 * p + c] = nchw[(b * 3 + c) * h * w + p];
            }
        }
        return out;
    }

    private static float[] decodeRaw(VaeDecoder decoder, String key) throws IOException {
        try (TensorScope s = TensorScope.open()) {
            return decoder.forward(Tensor.of(cases.floats(key), cases.info(key).shape())).toFloatArray();
        }
    }

    @Test
    void rawDecodeMatchesTheReference() throws IOException {
        for (int c = 0; c < 3; c++) {
            String p = "case" + c + ".decode.";
            float[] expected = cases.floats(p + "output");
            float[] fromDiffusers = decodeRaw(diffusers, p + "input");
            assertWithin(expected, fromDiffusers, 2e-4, 1e-4, p + "output");
            assertArrayEquals(fromDiffusers, decodeRaw(ldm, p + "input"), p + "output: LDM-named weights");
        }
    }

    @Test
    void everyStageMatchesTheReferenceIntermediates() throws IOException {
        try (TensorScope s = TensorScope.open()) {
            Tensor h = diffusers.convIn.forward(Tensor.of(cases.floats("case0.decode.input"), 1, 16, 8, 8));
            assertWithin(cases.floats("case0.decode.debug.conv_in"), h.toFloatArray(), 2e-4, 1e-4, "conv_in");
            h = closing(h, diffusers.midBlock.forward(h));
            assertWithin(cases.floats("case0.decode.debug.mid_block"), h.toFloatArray(), 2e-4, 1e-4, "mid_block");
            for (int i = 0; i < 4; i++) {
                h = closing(h, diffusers.upBlocks.get(i).forward(h));
                assertWithin(cases.floats("case0.decode.debug.up_blocks." + i), h.toFloatArray(), 2e-4, 1e-4,
                        "up_blocks." + i);
            }
            assertWithin(cases.floats("case0.decode.debug.conv_norm_out"),
                    diffusers.convNormOut.forward(h).toFloatArray(), 2e-4, 1e-4, "conv_norm_out (before SiLU)");
        }
    }

    @Test
    void pipelineLatentsBecomeTheReferencePictures() throws IOException {
        for (int c = 0; c < 3; c++) {
            String p = "case" + c + ".pipeline.";
            LatentBatch latents = LatentBatch.of(cases.floats(p + "latents"), cases.info(p + "latents").shape());
            long[] shape = cases.info(p + "image_pt").shape();
            int n = (int) (3 * shape[2] * shape[3]);
            float[] imagePt = cases.floats(p + "image_pt");
            byte[] uint8 = PixelsTest.bytes(cases.longs(p + "image_uint8"));
            for (VaeDecoder decoder : List.of(diffusers, ldm)) {
                List<DecodedImage> images = decoder.decode(latents, VaeTiling.never());
                assertEquals(shape[0], images.size());
                for (int b = 0; b < images.size(); b++) {
                    DecodedImage image = images.get(b);
                    assertEquals(shape[3], image.width());
                    assertEquals(shape[2], image.height());
                    // image_pt is NCHW; the decoder's float image is HWC
                    float[] expectedHwc = hwc(imagePt, b, image.height(), image.width());
                    assertWithin(expectedHwc, image.rgb(), 1e-4, 0, p + "image " + b);
                    assertPixelsMatch(java.util.Arrays.copyOfRange(uint8, b * n, (b + 1) * n),
                            image.toRgb8().rgb(), p + "image_uint8 " + b);
                }
            }
        }
    }

    @Test
    void endToEndCasesDecodeToTheirPictures() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Golden.file("e2e-tiny/expected"))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(4, files.size());
        try (VaeDecoder e2e = VaeDecoder.open(Golden.file("e2e-tiny/model/vae"))) {
            for (Path f : files) {
                try (SafetensorsFile e = SafetensorsFile.open(f)) {
                    LatentBatch latents = LatentBatch.of(e.floats("final_latents"), e.info("final_latents").shape());
                    DecodedImage image = e2e.decode(latents).get(0);
                    long[] shape = e.info("image").shape();
                    assertEquals(shape[0], image.height());
                    assertEquals(shape[1], image.width());
                    assertWithin(e.floats("image"), image.rgb(), 1e-4, 0, f.getFileName() + " image");
                    assertPixelsMatch(PixelsTest.bytes(e.longs("image_uint8")), image.toRgb8().rgb(),
                            f.getFileName() + " image_uint8");
                }
            }
        }
    }
}
