package io.github.jimengstudio.fiji.panel;

import ij.ImagePlus;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the panel asks of the engine, in one narrow interface so that tests can stand in for it. The panel calls
 * every method from its own worker thread, never from the event dispatch thread: some of them read or scan files.
 */
public interface StudioEngine {

    /** A queued or running generation. */
    interface Job {
        CompletableFuture<GeneratedImage> result();

        void cancel();
    }

    /** Queues {@code request}; the listener is called on the generation thread. */
    Job submit(GenerationRequest request, ProgressListener listener);

    /** The usable LoRAs' names, from the library as last scanned. */
    List<String> loraNames() throws IOException;

    /** Scans the LoRA folder again; the usable LoRAs' names. */
    List<String> refreshLoras() throws IOException;

    /** One line: whether the model is loaded, and which one will be. @throws IOException when none is found */
    String modelStatus() throws IOException, InterruptedException;

    /** The image as a new ImagePlus carrying its provenance (not yet shown). */
    ImagePlus toImagePlus(GeneratedImage image);

    /** Saves with provenance, PNG or TIFF by the file's extension. */
    void save(ImagePlus image, Path file) throws IOException;
}
