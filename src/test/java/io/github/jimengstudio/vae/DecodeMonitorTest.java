package io.github.jimengstudio.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.nn.WorkMonitor;
import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.sampling.TorchCpuRandom;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import io.github.jimengstudio.vae.WorkRecorder.Event;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder's progress and stop points on the golden test VAE: fractions that only grow and end at exactly 1,
 * a detail per tile and block, and a stop thrown by the monitor that frees every temporary and leaves the decoder
 * giving the same pixels as a run that was never stopped.
 */
class DecodeMonitorTest {
    private static SafetensorsFile weights;
    private static VaeDecoder decoder;
    private static final int H = 16;
    private static final int W = 16;
    private static final VaeTiling TILED = VaeTiling.always(12, 4);

    @BeforeAll
    static void load() throws IOException {
        weights = SafetensorsFile.open(Golden.file("vae-tiny/diffusion_pytorch_model.safetensors"));
        decoder = VaeDecoder.load(VaeConfig.read(Golden.file("vae-tiny/config.json")), weights);
    }

    @AfterAll
    static void close() throws IOException {
        decoder.close();
        weights.close();
    }

    private static LatentBatch latent() {
        return new LatentBatch(1, H, W, new TorchCpuRandom(7).randn(1, 16, H, W));
    }

    /** Thrown by a monitor to stop the work, as the pipeline's cancel does. */
    private static void assertMonotonicToOne(List<Event> events) {
        assertEquals(0.0, events.get(0).fraction(), "the pass announces its start");
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).fraction() >= events.get(i - 1).fraction(), "fraction went back at " + i + ": "
                    + events.get(i - 1) + " then " + events.get(i));
        }
        assertEquals(1.0, events.get(events.size() - 1).fraction(), "the last report is exactly 1");
    }

    @Test
    void anUntiledDecodeReportsEveryBlockUpToExactlyOne() {
        WorkRecorder recorder = new WorkRecorder(null);
        decoder.decode(latent(), VaeTiling.never(), recorder);
        List<Event> events = recorder.seen;
        assertMonotonicToOne(events);
        // start, conv_in, 3 mid-block layers, 4 up blocks of 3 resnets (+ 3 upsamplers), output head
        assertEquals(1 + 1 + 3 + 4 * 3 + 3 + 1, events.size(), events.toString());
        List<String> details = events.stream().map(Event::detail).distinct().toList();
        assertEquals(List.of("", "input", "mid block", "up block 1/4", "up block 2/4", "up block 3/4",
                "up block 4/4", "output"), details);
    }

    @Test
    void aTiledDecodeReportsEachTileAsAnEqualShare() {
        WorkRecorder recorder = new WorkRecorder(null);
        decoder.decode(latent(), TILED, recorder);
        List<Event> events = recorder.seen;
        assertMonotonicToOne(events);
        int n = TILED.planFor(H, W, 8).tileCount();
        assertEquals(4, n);
        for (int k = 1; k <= n; k++) {
            String tile = "tile " + k + "/" + n;
            List<Event> of = events.stream().filter(e -> e.detail().startsWith(tile)).toList();
            assertEquals(tile, of.get(0).detail(), "a tile announces its start");
            assertEquals((k - 1) / (double) n, of.get(0).fraction(), 1e-12);
            assertEquals(k / (double) n, of.get(of.size() - 1).fraction(), 1e-12);
            assertTrue(of.stream().anyMatch(e -> e.detail().equals(tile + ", up block 4/4")));
        }
    }

    @Test
    void aStopAfterTheFirstTileFreesEveryTemporaryAndTheNextDecodeIsUnchanged() {
        float[] expected = decoder.decode(latent(), TILED).get(0).rgb();
        WorkRecorder stopAtTileTwo = new WorkRecorder("tile 2/4");
        try (TensorScope outer = TensorScope.open()) {
            assertSame(stopAtTileTwo.stop, assertThrows(WorkRecorder.Stop.class,
                    () -> decoder.decode(latent(), TILED, stopAtTileTwo)));
            assertEquals(0, outer.size(), "a stopped decode leaves no tensor behind");
        }
        assertEquals(new Event(1 / 4.0, "tile 2/4"), stopAtTileTwo.last(), "stopped as tile 2 began");
        assertArrayEquals(expected, decoder.decode(latent(), TILED).get(0).rgb());
    }

    @Test
    void aStopInsideAnUntiledDecodeFreesEveryTemporaryAndTheNextDecodeIsUnchanged() {
        float[] expected = decoder.decode(latent(), VaeTiling.never()).get(0).rgb();
        WorkRecorder stopInUpBlockTwo = new WorkRecorder("up block 2/4");
        try (TensorScope outer = TensorScope.open()) {
            assertSame(stopInUpBlockTwo.stop, assertThrows(WorkRecorder.Stop.class,
                    () -> decoder.decode(latent(), VaeTiling.never(), stopInUpBlockTwo)));
            assertEquals(0, outer.size(), "a stopped decode leaves no tensor behind");
        }
        assertArrayEquals(expected, decoder.decode(latent(), VaeTiling.never()).get(0).rgb());
    }

    @Test
    void theWorkingMemoryEstimateFollowsTheDecodeOrItsTile() {
        // 28 bytes per full-resolution pixel and channel (8 channels at full resolution in this VAE)
        assertEquals(16L * 8 * 16 * 8 * 28 * 8, decoder.activationBytes(H, W, VaeTiling.never()));
        assertEquals(12L * 8 * 12 * 8 * 28 * 8, decoder.activationBytes(H, W, TILED), "one 12-cell tile at a time");
        assertEquals(decoder.activationBytes(100, 100, VaeTiling.always(64, 16)),
                decoder.activationBytes(300, 200, VaeTiling.always(64, 16)), "tiles bound it whatever the size");
    }
}
