package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.ElementType;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightSource;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weight layouts the decoder accepts, and the ones it refuses with a message. */
class VaeWeightsTest {

    private static final Path DIFFUSERS = Golden.file("vae-tiny/diffusion_pytorch_model.safetensors");
    private static final Path LDM = Golden.file("vae-tiny-ldm/ae_tiny_ldm.safetensors");

    private static VaeConfig tiny() throws IOException {
        return VaeConfig.read(Golden.file("vae-tiny/config.json"));
    }

    /** Copies {@code from} to {@code to} with every name prefixed, plus {@code extra} (an F32 [2] tensor) if given. */
    private static Path copy(Path from, Path to, String prefix, String extra) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : f.names()) {
                TensorInfo t = f.info(name);
                w.add(prefix + name, t.dtype(), t.shape(), f.data(name));
            }
            if (extra != null) {
                w.add(extra, DType.F32, new long[] {2}, new float[] {1, 2});
            }
            w.write(to);
        }
        return to;
    }

    @Test
    void prefixedLdmCheckpointsAreSeenUnderDiffusersNames(@TempDir Path dir) throws IOException {
        Path file = copy(LDM, dir.resolve("model.safetensors"), "first_stage_model.", "model.diffusion_model.x");
        try (SafetensorsFile prefixed = SafetensorsFile.open(file);
                SafetensorsFile diffusers = SafetensorsFile.open(DIFFUSERS)) {
            WeightSource canonical = VaeWeights.canonical(prefixed, tiny());
            assertEquals(new TreeSet<>(diffusers.names()), new TreeSet<>(canonical.names()));
            for (String name : diffusers.names()) {
                assertArrayEquals(diffusers.info(name).shape(), canonical.info(name).shape(), name);
                assertArrayEquals(diffusers.floats(name), canonical.floats(name), name);
            }
        }
        Path vaePrefixed = copy(DIFFUSERS, dir.resolve("vae.safetensors"), "vae.", "text_encoders.y");
        try (SafetensorsFile f = SafetensorsFile.open(vaePrefixed)) {
            assertTrue(VaeWeights.canonical(f, tiny()).contains("decoder.mid_block.attentions.0.to_q.weight"));
        }
    }

    @Test
    void tensorsOfAnotherVaeAreRefusedByName(@TempDir Path dir) throws IOException {
        Path sd = copy(LDM, dir.resolve("sd.safetensors"), "", "post_quant_conv.weight");
        try (SafetensorsFile f = SafetensorsFile.open(sd)) {
            String m = assertThrows(IOException.class, () -> VaeDecoder.load(tiny(), f)).getMessage();
            assertTrue(m.contains("1 tensor(s) are not part of the FLUX VAE (post_quant_conv.weight)"), m);
        }
        Path extra = copy(DIFFUSERS, dir.resolve("extra.safetensors"), "", "decoder.up_blocks.0.attentions.0.x");
        try (SafetensorsFile f = SafetensorsFile.open(extra)) {
            String m = assertThrows(IOException.class, () -> VaeDecoder.load(tiny(), f)).getMessage();
            assertTrue(m.contains("1 decoder tensor(s) have no place in the decoder that config.json describes"
                    + " (decoder.up_blocks.0.attentions.0.x)"), m);
        }
        try (SafetensorsFile f = SafetensorsFile.open(Golden.file("text-encoder-tiny/model.safetensors"))) {
            String m = assertThrows(IOException.class, () -> VaeDecoder.load(tiny(), f)).getMessage();
            assertTrue(m.contains("holds no VAE decoder"), m);
        }
    }

    @Test
    void theEncoderLoadsFromEveryLayoutTheDecoderLoadsFrom(@TempDir Path dir) throws IOException {
        Path ldmPrefixed = copy(LDM, dir.resolve("full.safetensors"), "first_stage_model.", "model.x");
        try (SafetensorsFile f = SafetensorsFile.open(ldmPrefixed); VaeEncoder e = VaeEncoder.load(tiny(), f)) {
            assertEquals(4, e.downBlocks.size());
        }
    }

    @Test
    void encoderTensorsWithoutAPlaceAreRefusedByName(@TempDir Path dir) throws IOException {
        Path extra = copy(DIFFUSERS, dir.resolve("extra.safetensors"), "", "encoder.down_blocks.0.attentions.0.x");
        try (SafetensorsFile f = SafetensorsFile.open(extra)) {
            String m = assertThrows(IOException.class, () -> VaeEncoder.load(tiny(), f)).getMessage();
            assertTrue(m.contains("1 encoder tensor(s) have no place in the encoder that config.json describes"
                    + " (encoder.down_blocks.0.attentions.0.x)"), m);
            // the decoder ignores the encoder's tensors, as the encoder ignores the decoder's
            VaeDecoder.load(tiny(), f).close();
        }
        try (SafetensorsFile f = SafetensorsFile.open(DIFFUSERS)) {
            String m = assertThrows(IOException.class, () -> VaeEncoder.load(VaeConfig.flux(), f)).getMessage();
            assertTrue(m.contains("weight 'encoder.conv_in.weight'") && m.contains("[8, 3, 3, 3]")
                    && m.contains("[128, 3, 3, 3]"), m);
        }
    }

    @Test
    void weightsOfAnotherSizeNameTheTensorAndBothShapes() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(DIFFUSERS)) {
            String m = assertThrows(IOException.class, () -> VaeDecoder.load(VaeConfig.flux(), f)).getMessage();
            assertTrue(m.contains("weight 'decoder.conv_in.weight'") && m.contains("[32, 16, 3, 3]")
                    && m.contains("[512, 16, 3, 3]"), m);
        }
    }

    @Test
    void theDecoderRunsInFloat32WhateverTheLatentsType() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(DIFFUSERS);
                SafetensorsFile cases = SafetensorsFile.open(Golden.file("vae-tiny/cases.safetensors"));
                VaeDecoder decoder = VaeDecoder.load(tiny(), f);
                TensorScope s = TensorScope.open()) {
            Tensor bf16 = Tensor.of(cases.floats("case0.decode.input"), 1, 16, 8, 8).to(ElementType.BFLOAT16);
            Tensor out = decoder.forward(bf16);
            assertEquals(ElementType.FLOAT32, out.type());
            assertArrayEquals(decoder.forward(bf16.to(ElementType.FLOAT32)).toFloatArray(), out.toFloatArray());
            String m = assertThrows(InvalidLatentException.class,
                    () -> decoder.forward(Tensor.zeros(1, 4, 8, 8))).getMessage();
            assertEquals("decoder input has shape [1, 4, 8, 8]; it needs [batch, 16, height, width]", m);
            float[] nan = new float[16 * 64];
            nan[70] = Float.NaN;
            assertThrows(InvalidLatentException.class,
                    () -> decoder.decode(Tensor.of(nan, 1, 16, 8, 8), VaeTiling.auto()));
        }
    }
}
