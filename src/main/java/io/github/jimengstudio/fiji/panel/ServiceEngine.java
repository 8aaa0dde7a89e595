package io.github.jimengstudio.fiji.panel;

import ij.ImagePlus;
import io.github.jimengstudio.fiji.GenerationJob;
import io.github.jimengstudio.fiji.JimengService;
import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.ProgressListener;
import io.github.jimengstudio.pipeline.ModelLocator;
import io.github.jimengstudio.pipeline.download.DownloadListener;
import io.github.jimengstudio.pipeline.download.ModelDownloader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The panel's engine is {@link JimengService}: its generation thread, LoRA library, images and saving. */
final class ServiceEngine implements StudioEngine {
    private final JimengService jimeng;

    ServiceEngine(JimengService jimeng) {
        this.jimeng = jimeng;
    }

    @Override
    public Job submit(GenerationRequest request, ProgressListener listener) {
        GenerationJob job = jimeng.submit(request, listener);
        return new Job() {
            @Override
            public CompletableFuture<GeneratedImage> result() {
                return job.result();
            }

            @Override
            public void cancel() {
                job.cancel();
            }
        };
    }

    @Override
    public List<String> loraNames() throws IOException {
        return usable(jimeng.loraLibrary().entries());
    }

    @Override
    public List<String> refreshLoras() throws IOException {
        return usable(jimeng.refreshLoras());
    }

    private static List<String> usable(List<LoraInfo> entries) {
        return entries.stream().filter(LoraInfo::usable).map(LoraInfo::name).sorted().toList();
    }

    @Override
    public String modelStatus() throws IOException {
        String model = jimeng.locateModel().describe();
        return (jimeng.isModelLoaded() ? "Model loaded: " : "Model (loads on first Generate): ") + model;
    }

    @Override
    public String useModelFolder(Path folder) throws IOException {
        return jimeng.useModelFolder(folder).describe();
    }

    @Override
    public Path defaultDownloadFolder() {
        return ModelDownloader.defaultTarget();
    }

    @Override
    public String downloadModel(Path folder, DownloadListener listener) throws IOException {
        return jimeng.downloadModel(ModelLocator.ZIMAGE_REPO, "main", folder, listener).describe();
    }

    @Override
    public void cancelDownload() {
        jimeng.cancelDownload();
    }

    @Override
    public ImagePlus toImagePlus(GeneratedImage image) {
        return jimeng.toImagePlus(image);
    }

    @Override
    public void save(ImagePlus image, Path file) throws IOException {
        jimeng.save(image, file);
    }
}
