package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The encoder on the golden test VAE: bad input refused before any native work with a message that says what to
 * do, progress that only grows and ends at exactly 1, and a stop thrown by the monitor that frees every temporary
 * and leaves the encoder giving the same latents as a run that was never stopped.
 */
class EncodeChecksTest {
    private static VaeEncoder encoder;
    private static final VaeTiling TILED = VaeTiling.always(8, 4);

    @BeforeAll
    static void load() throws IOException {
        encoder = VaeEncoder.open(Golden.file("e2e-tiny/model/vae"));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    private static EncoderInput picture() {
        return TiledEncodeTest.canvas(96, 96);
    }

    @Test
    void aSideThatIsNotAMultipleOfEightIsRefusedBeforeNativeCode() {
        try (TensorScope s = TensorScope.open()) {
            String m = assertThrows(InvalidImageException.class,
                    () -> encoder.encode(new EncoderInput(100, 64, new float[3 * 100 * 64]))).getMessage();
            assertTrue(m.startsWith("an image of 64x100 pixels: the VAE encoder maps 8x8 pixels onto one latent"
                    + " cell, so both sides must be multiples of 8"), m);
            assertTrue(m.contains("resize to 64x96"), m);
            assertEquals(0, s.size(), "nothing was created");
            assertThrows(InvalidImageException.class, () -> encoder.forward(Tensor.zeros(1, 3, 64, 60)));
        }
    }

    @Test
    void aTensorThatIsNotRgbIsRefusedByTheBareEncoder() {
        try (TensorScope s = TensorScope.open()) {
            String m = assertThrows(InvalidImageException.class, () -> encoder.forward(Tensor.zeros(1, 4, 64, 64)))
                    .getMessage();
            assertTrue(m.contains("[1, 4, 64, 64]; it needs [batch, 3, height, width] (RGB)"), m);
            assertThrows(InvalidImageException.class, () -> encoder.forward(Tensor.zeros(3, 64, 64)));
        }
    }

    @Test
    void anUntiledEncodeReportsEveryBlockUpToExactlyOne() {
        WorkRecorder recorder = new WorkRecorder(null);
        encoder.encode(picture(), VaeTiling.never(), recorder);
        List<WorkRecorder.Event> events = recorder.seen;
        assertEquals(0.0, events.get(0).fraction());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).fraction() >= events.get(i - 1).fraction(), events.toString());
        }
        assertEquals(1.0, events.get(events.size() - 1).fraction());
        // start, conv_in, 4 down blocks of 2 resnets (+ 3 downsamplers), 3 mid-block layers, output head
        assertEquals(1 + 1 + 4 * 2 + 3 + 3 + 1, events.size(), events.toString());
        assertEquals(List.of("", "input", "down block 1/4", "down block 2/4", "down block 3/4", "down block 4/4",
                "mid block", "output"), events.stream().map(WorkRecorder.Event::detail).distinct().toList());
    }

    @Test
    void aStopAtTheSecondTileFreesEveryTemporaryAndTheNextEncodeIsUnchanged() {
        assertEquals(4, TILED.planFor(12, 12, 1).tileCount());
        LatentDistribution expected = encoder.encode(picture(), TILED, WorkMonitor.NONE);
        WorkRecorder stopAtTileTwo = new WorkRecorder("tile 2/4");
        try (TensorScope outer = TensorScope.open()) {
            assertSame(stopAtTileTwo.stop, assertThrows(WorkRecorder.Stop.class,
                    () -> encoder.encode(picture(), TILED, stopAtTileTwo)));
            assertEquals(0, outer.size(), "a stopped encode leaves no tensor behind");
        }
        assertEquals(new WorkRecorder.Event(1 / 4.0, "tile 2/4"), stopAtTileTwo.last(), "stopped as tile 2 began");
        LatentDistribution again = encoder.encode(picture(), TILED, WorkMonitor.NONE);
        assertArrayEquals(expected.mean(), again.mean());
        assertArrayEquals(expected.logvar(), again.logvar());
    }

    @Test
    void theMemoryEstimateCountsOneTileAboveTheUntiledLimit() {
        VaeEncoder e = encoder;
        long whole = e.activationBytes(1024, 1024, VaeTiling.autoForEncoder());
        assertEquals(1024L * 1024 * 28 * 8, whole, "tiny VAE: 8 channels at full resolution");
        assertEquals(whole, e.activationBytes(3072, 2048, VaeTiling.autoForEncoder()), "3072x2048 in 1024² tiles");
        assertTrue(e.activationBytes(3072, 2048, VaeTiling.never()) == 6 * whole);
    }
}
