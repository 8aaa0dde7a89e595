package io.github.jimengstudio.fiji.panel;

import ij.ImagePlus;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.download.DownloadListener;
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

    /**
     * Uses the model in {@code folder} from now on (remembered across sessions); its description.
     *
     * @throws IOException naming what the folder lacks; the previous choice stays
     */
    String useModelFolder(Path folder) throws IOException;

    /** Where a download goes unless the user chooses: the Hugging Face cache, which is searched anyway. */
    Path defaultDownloadFolder();

    /**
     * Downloads the model into {@code folder} (resumable: what arrived before is kept), reporting to
     * {@code listener}; the folder's model is then the one used. Returns a one-line summary.
     *
     * @throws IOException when it cannot (no network, no room), or
     *                     {@link io.github.jimengstudio.pipeline.download.DownloadCancelledException} when cancelled
     */
    String downloadModel(Path folder, DownloadListener listener) throws IOException;

    /** Stops a running download (what arrived is kept for the next one). */
    void cancelDownload();

    /** The image as a new ImagePlus carrying its provenance (not yet shown). */
    ImagePlus toImagePlus(GeneratedImage image);

    /** Saves with provenance, PNG or TIFF by the file's extension. */
    void save(ImagePlus image, Path file) throws IOException;
}
