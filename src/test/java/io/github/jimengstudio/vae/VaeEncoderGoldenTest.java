package io.github.jimengstudio.vae;

import static io.github.jimengstudio.testing.Tolerance.assertWithin;
import static io.github.jimengstudio.vae.Layers.closing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The encoder against edit-tiny's encoder-only golden (README-edit.md §6), the encoder stage of its five cases
 * (§4, §5.1) and vae-tiny's encode case (README-te-vae.md), with diffusers and LDM names.
 *
 * <p>Tolerance: README-edit §7, |a − b| ≤ 1e-4 + 1e-4·|b| for mean, logvar, the sample and the scaled latents.
 */
class VaeEncoderGoldenTest {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;

    /** Each edit case, the init picture it encodes and that picture's preprocessed tensor (cases.json). */
    private record EditCase(String file, String png, String input) {}

    private static final List<EditCase> CASES = List.of(
            new EditCase("case_e_i2i_p1_seed42_256x256_n4_s0p6.safetensors", "init_256x256.png", "enc0"),
            new EditCase("case_f_i2i_p2_seed7_192x256_n8_s0p35_cfg3.safetensors", "init_192x256.png", "enc1"),
            new EditCase("case_g_i2i_p1_seed42_256x256_n4_s1.safetensors", "init_256x256.png", "enc0"),
            new EditCase("case_h_inp_p1_seed5_256x256_n4_s1_rect.safetensors", "init_256x256.png", "enc0"),
            new EditCase("case_i_inp_p1_seed11_256x192_n6_s0p8_cfg2_ellpoly.safetensors", "init_256x192.png",
                    "enc3"));

    private static VaeEncoder diffusers;
    private static VaeEncoder ldm;
    private static SafetensorsFile encoderGolden;

    @BeforeAll
    static void load() throws IOException {
        // edit-tiny runs the e2e-tiny model, whose vae/ is byte for byte vae-tiny's (and vae-tiny-ldm's, renamed)
        diffusers = VaeEncoder.open(Golden.file("e2e-tiny/model/vae"));
        VaeConfig tiny = VaeConfig.read(Golden.file("vae-tiny/config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("vae-tiny-ldm/ae_tiny_ldm.safetensors"))) {
            ldm = VaeEncoder.load(tiny, f);
        }
        encoderGolden = SafetensorsFile.open(Golden.file("edit-tiny/vae_encoder.safetensors"));
    }

    @AfterAll
    static void close() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {diffusers, ldm, encoderGolden}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static EncoderInput input(SafetensorsFile f, String key) throws IOException {
        return EncoderInput.of(f.floats(key), f.info(key).shape());
    }

    /** An 8-bit RGB PNG as the pipelines' PIL image gives it. */
    static RgbImage readRgb(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = image.getRGB(x, y);
                int i = 3 * (y * w + x);
                rgb[i] = (byte) (p >> 16);
                rgb[i + 1] = (byte) (p >> 8);
                rgb[i + 2] = (byte) p;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void everyEncoderOnlyCaseGivesTheReferenceMeanAndLogvar() throws IOException {
        for (int k = 0; k < 4; k++) {
            String p = "enc" + k + ".";
            LatentDistribution d = diffusers.encode(input(encoderGolden, p + "input"), VaeTiling.never(),
                    io.github.jimengstudio.nn.WorkMonitor.NONE);
            assertArrayEquals(encoderGolden.info(p + "mean").shape(), d.shape(), p + "mean shape");
            double mean = assertWithin(encoderGolden.floats(p + "mean"), d.mean(), ATOL, RTOL, p + "mean");
            double logvar = assertWithin(encoderGolden.floats(p + "logvar"), d.logvar(), ATOL, RTOL, p + "logvar");
            System.out.printf("encoder golden %s: max |mean diff| %.2e, max |logvar diff| %.2e%n", p, mean, logvar);
        }
    }

    @Test
    void ldmNamedWeightsEncodeExactlyAsDiffusersNamedOnes() throws IOException {
        for (int k = 0; k < 4; k++) {
            EncoderInput x = input(encoderGolden, "enc" + k + ".input");
            LatentDistribution a = diffusers.encode(x, VaeTiling.never(), io.github.jimengstudio.nn.WorkMonitor.NONE);
            LatentDistribution b = ldm.encode(x, VaeTiling.never(), io.github.jimengstudio.nn.WorkMonitor.NONE);
            assertArrayEquals(a.mean(), b.mean(), "enc" + k + " mean");
            assertArrayEquals(a.logvar(), b.logvar(), "enc" + k + " logvar");
        }
    }

    @Test
    void vaeTinyEncodeCaseGivesTheReferenceMomentsAndDistribution() throws IOException {
        try (SafetensorsFile cases = SafetensorsFile.open(Golden.file("vae-tiny/cases.safetensors"));
                TensorScope s = TensorScope.open()) {
            Tensor moments = diffusers.forward(Tensor.of(cases.floats("encode.input"), 1, 3, 32, 32));
            assertWithin(cases.floats("encode.moments"), moments.toFloatArray(), ATOL, RTOL, "encode.moments");
            LatentDistribution d = diffusers.encode(input(cases, "encode.input"));
            assertWithin(cases.floats("encode.mean"), d.mean(), ATOL, RTOL, "encode.mean");
            assertWithin(cases.floats("encode.logvar"), d.logvar(), ATOL, RTOL, "encode.logvar");
        }
    }

    @Test
    void initPicturesPreprocessExactlyToTheTensorsThePipelinesEncoded() throws IOException {
        for (EditCase c : CASES) {
            EncoderInput fromPng = EncoderInput.fromRgb8(readRgb(Golden.file("edit-tiny/inputs/" + c.png())));
            EncoderInput expected = input(encoderGolden, c.input() + ".input");
            assertArrayEquals(expected.shape(), fromPng.shape(), c.png());
            assertArrayEquals(expected.values(), fromPng.values(), c.png() + " preprocessed");
        }
    }

    @Test
    void everyEditCaseEncodesItsInitPictureToTheReferenceLatents() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Golden.file("edit-tiny/expected"))) {
            files = s.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertEquals(CASES.stream().map(EditCase::file).toList(),
                files.stream().map(f -> f.getFileName().toString()).toList(), "the five cases of README-edit §3");
        for (EditCase c : CASES) {
            try (SafetensorsFile e = SafetensorsFile.open(Golden.file("edit-tiny/expected/" + c.file()))) {
                EncoderInput x = EncoderInput.fromRgb8(readRgb(Golden.file("edit-tiny/inputs/" + c.png())));
                LatentDistribution d = diffusers.encode(x);
                assertArrayEquals(e.info("vae.mean").shape(), d.shape(), c.file());
                double mean = assertWithin(e.floats("vae.mean"), d.mean(), ATOL, RTOL, c.file() + " vae.mean");
                double logvar = assertWithin(e.floats("vae.logvar"), d.logvar(), ATOL, RTOL,
                        c.file() + " vae.logvar");
                // the pipeline's next two steps, with the golden draw standing in for the generator
                float[] sampled = d.sample(e.floats("vae.sample_eps"));
                double s = assertWithin(e.floats("image_latents_sampled"), sampled, ATOL, RTOL,
                        c.file() + " image_latents_sampled");
                float[] latents = LatentScaling.toSamplerSpace(sampled, diffusers.config());
                double l = assertWithin(e.floats("image_latents"), latents, ATOL, RTOL, c.file() + " image_latents");
                System.out.printf("%s: max diff mean %.2e, logvar %.2e, sampled %.2e, image_latents %.2e%n",
                        c.file(), mean, logvar, s, l);
            }
        }
    }

    @Test
    void goldenSampleScalesExactlyToTheGoldenImageLatents() throws IOException {
        // the scaling step alone, on the reference's own sample: float32 (x − 0.1159)·0.3611 as torch computes it
        for (EditCase c : CASES) {
            try (SafetensorsFile e = SafetensorsFile.open(Golden.file("edit-tiny/expected/" + c.file()))) {
                assertArrayEquals(e.floats("image_latents"),
                        LatentScaling.toSamplerSpace(e.floats("image_latents_sampled"), diffusers.config()),
                        c.file());
            }
        }
    }

    @Test
    void aChannelsLastInputIsEncodedAsAccuratelyAsARowMajorOne() throws IOException {
        // README-edit §8: the PIL path hands the encoder a channels_last tensor; the reference's GroupNorm then
        // loses two digits. This encoder lays any input out row-major first, so it gives the same moments.
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(encoderGolden.floats("enc0.input"), 1, 3, 256, 256);
            float[] rowMajor = diffusers.forward(x).toFloatArray();
            assertArrayEquals(rowMajor, diffusers.forward(x.channelsLast()).toFloatArray());
        }
    }

    @Test
    void stagesChainToTheBareEncoderOutput() throws IOException {
        // forward() is conv_in, the down blocks, the mid block and the head in this order, nothing else
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(encoderGolden.floats("enc2.input"), 1, 3, 64, 64);
            Tensor h = diffusers.convIn.forward(x);
            for (ResnetStage d : diffusers.downBlocks) {
                h = closing(h, d.forward(h));
            }
            assertArrayEquals(new long[] {1, 32, 8, 8}, h.shape());
            h = closing(h, diffusers.midBlock.forward(h));
            h = closing(h, diffusers.convOut.forward(diffusers.convNormOut.forwardSilu(h)));
            float[] moments = h.toFloatArray();
            int half = moments.length / 2;
            assertWithin(encoderGolden.floats("enc2.mean"), java.util.Arrays.copyOf(moments, half), ATOL, RTOL,
                    "enc2 mean");
        }
    }
}
