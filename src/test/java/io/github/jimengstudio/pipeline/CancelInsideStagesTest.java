package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.runtime.TensorScope;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cancel inside the text encoder and inside the VAE decode, on e2e-tiny's model: it stops the stage at its next
 * layer, leaves no tensor behind, and the next generation on the same pipeline gives the pixels of a run that was
 * never cancelled; and the stages' progress only grows and reaches 1.
 */
class CancelInsideStagesTest {
    private static ZImagePipeline pipeline;
    private static E2eCase caseA;

    @BeforeAll
    static void load() throws IOException {
        pipeline = ZImagePipeline.load(ZImagePipelineTest.locate(Golden.file("e2e-tiny/model")),
                PipelineOptions.defaults());
        caseA = E2eCase.named("case_a");
    }

    @AfterAll
    static void close() throws IOException {
        pipeline.close();
    }

    /** Case a at 128x128 in 2 steps, with guidance so that both prompts are encoded. */
    private static GenerationRequest request(String prompt) {
        return caseA.request(prompt).size(128, 128).steps(2).guidance(2.0).build();
    }

    /** Records the stage progress, and cancels once {@code stage} has reported past its start. */
    private static final class CancelInside extends ZImagePipelineTest.Events {
        final List<Double> fractions = new ArrayList<>();
        final List<String> details = new ArrayList<>();
        final Stage stage;
        final CancellationToken cancel;

        CancelInside(Stage stage, CancellationToken cancel) {
            this.stage = stage;
            this.cancel = cancel;
        }

        @Override
        public void stageProgress(Stage s, double fraction, String detail) {
            log.add("progress " + s);
            if (s == stage) {
                fractions.add(fraction);
                details.add(detail);
                if (fraction > 0 && cancel != null) {
                    cancel.cancel();
                }
            }
        }
    }

    private static void assertCancelledInside(Stage stage, String prompt, String expectedMessage)
            throws IOException {
        CancellationToken cancel = new CancellationToken();
        CancelInside events = new CancelInside(stage, cancel);
        try (TensorScope outer = TensorScope.open()) {
            GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                    () -> pipeline.generate(request(prompt), events, cancel));
            assertEquals(expectedMessage, e.getMessage());
            assertEquals(0, outer.size(), "a cancelled generation leaves no tensor behind");
        }
        assertEquals("cancelled: " + expectedMessage, events.log.get(events.log.size() - 1));
        assertEquals(2, events.fractions.size(), "stopped at the first point after the cancel: " + events.details);
    }

    @Test
    void aCancelDuringTheDecodeStopsItAndTheNextGenerationGivesTheSamePixels() throws IOException {
        String prompt = "a red kite over dunes";
        byte[] uncancelled = pipeline.generate(request(prompt)).rgb();
        assertCancelledInside(Stage.DECODING, prompt, "Generation cancelled while decoding image (mid block).");
        assertArrayEquals(uncancelled, pipeline.generate(request(prompt)).rgb(), "after a cancel in the decode");
    }

    @Test
    void aCancelDuringTheTextEncoderStopsItAndTheNextGenerationGivesTheSamePixels() throws IOException {
        String prompt = "a blue kite over snow";
        assertCancelledInside(Stage.ENCODING, prompt,
                "Generation cancelled while encoding prompt (prompt, layer 2/2).");
        byte[] afterCancel = pipeline.generate(request(prompt)).rgb(); // encodes afresh: a cancel caches nothing
        pipeline.promptCache().clear();
        assertArrayEquals(pipeline.generate(request(prompt)).rgb(), afterCancel, "after a cancel in the encoder");
    }

    @Test
    void stageProgressComesInsideItsStageOnlyGrowsAndReachesOne() throws IOException {
        CancelInside decoding = new CancelInside(Stage.DECODING, null);
        pipeline.generate(request("a green kite over a lake"), decoding, CancellationToken.none());
        CancelInside encoding = new CancelInside(Stage.ENCODING, null);
        pipeline.promptCache().clear(); // the negative prompt too is encoded afresh
        pipeline.generate(request("a yellow kite over a field"), encoding, CancellationToken.none());
        for (CancelInside run : List.of(decoding, encoding)) {
            List<Double> f = run.fractions;
            assertEquals(0.0, f.get(0));
            for (int i = 1; i < f.size(); i++) {
                assertTrue(f.get(i) >= f.get(i - 1), run.stage + " went back: " + f);
            }
            assertEquals(1.0, f.get(f.size() - 1), run.stage + " ends at 1");
            String stage = "stage " + run.stage;
            String progress = "progress " + run.stage;
            int begins = run.log.indexOf(stage);
            assertTrue(begins >= 0 && run.log.indexOf(progress) > begins
                    && run.log.lastIndexOf(progress) < run.log.indexOf("finished"), run.log.toString());
        }
        assertEquals(List.of("prompt", "prompt, layer 1/2", "prompt, layer 2/2", "negative prompt",
                "negative prompt, layer 1/2", "negative prompt, layer 2/2"), encoding.details);
        assertTrue(decoding.details.contains("up block 4/4") && decoding.details.contains("output"),
                decoding.details.toString());
    }
}
