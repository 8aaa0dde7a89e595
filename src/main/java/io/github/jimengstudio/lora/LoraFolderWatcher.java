package io.github.jimengstudio.lora;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Keeps a {@link LoraLibrary} current while it is open: file-system events on the folder (and its sub-folders)
 * trigger a rescan after a short quiet period, so a LoRA that is still being copied is read once, complete. The
 * rescan itself decides what changed; events only say "look again". Runs on one daemon thread until closed.
 */
public final class LoraFolderWatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LoraFolderWatcher.class.getName());
    /** Wait this long after the last event before rescanning (a copy in progress fires many events). */
    static final long QUIET_MILLIS = 300;

    private final LoraLibrary library;
    private final WatchService service;
    private final Thread thread;

    private LoraFolderWatcher(LoraLibrary library, WatchService service) {
        this.library = library;
        this.service = service;
        this.thread = new Thread(this::run, "jimeng-lora-watcher");
        this.thread.setDaemon(true);
    }

    static LoraFolderWatcher start(LoraLibrary library) throws IOException {
        if (!Files.isDirectory(library.folder())) {
            throw new IOException("Cannot watch the LoRA folder " + library.folder() + ": it does not exist. "
                    + "Create it, or choose another folder in the settings.");
        }
        WatchService service = FileSystems.getDefault().newWatchService();
        LoraFolderWatcher w = new LoraFolderWatcher(library, service);
        try {
            w.registerTree(library.folder());
        } catch (IOException e) {
            service.close();
            throw e;
        }
        w.thread.start();
        return w;
    }

    private void registerTree(Path root) throws IOException {
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            }
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean pending = true;
                while (pending) {
                    key.pollEvents();
                    key.reset();
                    key = service.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                    pending = key != null;
                }
                try {
                    registerTree(library.folder()); // new sub-folders; re-registering a known one is harmless
                    library.rescan();
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "Rescanning the LoRA folder failed: " + e.getMessage(), e);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: stop quietly
        }
    }

    @Override
    public void close() throws IOException {
        service.close();
        thread.interrupt();
    }
}
