package io.github.jimengstudio.fiji;

import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.PreviewImage;
import io.github.jimengstudio.pipeline.Stage;
import org.scijava.event.SciJavaEvent;

/**
 * Progress of a {@link GenerationJob}, published through SciJava's {@code EventService} on the generation thread
 * (a subscriber that touches Swing hands the event to the EDT).
 */
public final class GenerationEvent extends SciJavaEvent {

    /** What happened. */
    public enum Kind { STAGE, STEP, PREVIEW, WARNING, FINISHED, CANCELLED, FAILED }

    private final GenerationJob job;
    private final Kind kind;
    private final Stage stage;
    private final int step;
    private final int steps;
    private final PreviewImage preview;
    private final GeneratedImage image;
    private final String message;

    GenerationEvent(GenerationJob job, Kind kind, Stage stage, int step, int steps, PreviewImage preview,
            GeneratedImage image, String message) {
        this.job = job;
        this.kind = kind;
        this.stage = stage;
        this.step = step;
        this.steps = steps;
        this.preview = preview;
        this.image = image;
        this.message = message;
    }

    public GenerationJob job() { return job; }
    public Kind kind() { return kind; }
    /** The stage that began (STAGE), else null. */
    public Stage stage() { return stage; }
    /** The step just done, 1-based (STEP, PREVIEW), else 0. */
    public int step() { return step; }
    public int steps() { return steps; }
    /** The approximate picture (PREVIEW), else null. */
    public PreviewImage preview() { return preview; }
    /** The finished image (FINISHED), else null. */
    public GeneratedImage image() { return image; }
    /** A line for the user: the stage, step and ETA, warning, or failure. */
    public String message() { return message; }

    @Override
    public String toString() {
        return super.toString() + "\n\tjob = " + job.id() + "\n\tkind = " + kind + "\n\tmessage = " + message;
    }
}
