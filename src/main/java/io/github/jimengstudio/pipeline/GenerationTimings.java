package io.github.jimengstudio.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How long a generation took, stage by stage, in milliseconds.
 *
 * @param stageMillis      each stage that ran, in {@link Stage} order (LOADING only when the model was loaded for
 *                         this request; ENCODING near 0 when the prompt came from the cache)
 * @param stepMillis       each denoising step, in order (including guidance's second pass)
 * @param firstPreviewMillis from the start of the request to the first preview, or -1 when there was none
 * @param totalMillis      from the start of the request to the finished image
 */
public record GenerationTimings(Map<Stage, Double> stageMillis, List<Double> stepMillis, double firstPreviewMillis,
        double totalMillis) {

    public GenerationTimings {
        EnumMap<Stage, Double> copy = new EnumMap<>(Stage.class);
        copy.putAll(Objects.requireNonNull(stageMillis, "stageMillis"));
        stageMillis = Collections.unmodifiableMap(copy);
        stepMillis = List.copyOf(stepMillis);
    }

    /** The time of one stage, or 0 when it did not run. */
    public double millis(Stage stage) {
        return stageMillis.getOrDefault(stage, 0.0);
    }

    /** Measures a generation as it runs (single-threaded, like the generation). */
    public static final class Recorder {
        private final long start = System.nanoTime();
        private final EnumMap<Stage, Double> stages = new EnumMap<>(Stage.class);
        private final List<Double> steps = new ArrayList<>();
        private Stage current;
        private long currentStart;
        private long stepStart;
        private double firstPreview = -1;

        /** Ends the running stage (if any) and starts {@code stage}. */
        public void begin(Stage stage) {
            end();
            current = stage;
            currentStart = System.nanoTime();
            stepStart = currentStart;
        }

        /** The running stage, or null. */
        public Stage current() {
            return current;
        }

        /** Ends the running stage. */
        public void end() {
            if (current != null) {
                stages.merge(current, millisSince(currentStart), Double::sum);
                current = null;
            }
        }

        /** A denoising step is done: records its time since the previous step (or since denoising began). */
        public double stepDone() {
            long now = System.nanoTime();
            double ms = (now - stepStart) / 1e6;
            steps.add(ms);
            stepStart = now;
            return ms;
        }

        /** Notes the first preview's time (later calls change nothing). */
        public void previewShown() {
            if (firstPreview < 0) {
                firstPreview = millisSince(start);
            }
        }

        /** Milliseconds since denoising began (the sum of the recorded steps). */
        public double denoisingMillis() {
            return steps.stream().mapToDouble(Double::doubleValue).sum();
        }

        public int stepsDone() {
            return steps.size();
        }

        public GenerationTimings finish() {
            end();
            return new GenerationTimings(stages, steps, firstPreview, millisSince(start));
        }

        private static double millisSince(long t0) {
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
