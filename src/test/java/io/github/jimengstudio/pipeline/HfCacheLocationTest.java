package io.github.jimengstudio.pipeline;

import static io.github.jimengstudio.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfCacheLocationTest extends TinyLayoutTest {
    private static final String OLD = "1111111111111111111111111111111111111111";
    private static final String NEW = "2222222222222222222222222222222222222222";




    /** A cache with an old, incomplete snapshot (no vae/) and the current complete one that refs/main names. */
    private Path cacheWithTwoSnapshots(Path home) throws IOException {
        Path hub = home.resolve("hub");
        Path repo = layouts.cachedSnapshot(hub, NEW, true);
        layouts.hfFolder(repo.resolve("snapshots").resolve(OLD));
        TinyLayouts.deleteTree(repo.resolve("snapshots").resolve(OLD).resolve("vae"));
        return hub;
    }

    @Test
    void refsMainPicksTheSnapshotFromEveryEntryPoint() throws Exception {
        Path hub = cacheWithTwoSnapshots(tmp);
        Path repo = hub.resolve("models--Tongyi-MAI--Z-Image-Turbo");
        Path snap = repo.resolve("snapshots").resolve(NEW);
        for (Path entry : List.of(hub, tmp, repo, snap)) { // hub, HF_HOME above it, repo folder, the snapshot
            ModelLocation loc = locator.locate(entry);
            assertEquals(LayoutKind.HF_CACHE, loc.kind(), entry.toString());
            assertEquals(snap, loc.root(), entry.toString());
            assertEquals("Tongyi-MAI/Z-Image-Turbo@" + NEW, loc.identity());
            assertEquals(snap.resolve("transformer/diffusion_pytorch_model.safetensors.index.json"),
                    loc.transformer().weights());
            assertEquals(snap.resolve("tokenizer"), loc.tokenizerFolder());
            assertEquals(List.of(), loc.notes());
        }
    }

    @Test
    void anIncompleteSnapshotGivenDirectlyIsReportedAsSuch() throws Exception {
        Path hub = cacheWithTwoSnapshots(tmp);
        Path old = hub.resolve("models--Tongyi-MAI--Z-Image-Turbo/snapshots").resolve(OLD);
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(old));
        assertEquals(LayoutKind.HF_CACHE, e.places().get(0).takenFor());
        assertMentions(e, old.resolve("vae") + ": missing (the VAE folder)");
    }

    @Test
    void twoSnapshotsWithoutRefsAreRefusedNotGuessed() throws Exception {
        Path hub = cacheWithTwoSnapshots(tmp);
        Path repo = hub.resolve("models--Tongyi-MAI--Z-Image-Turbo");
        Files.delete(repo.resolve("refs/main"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(hub));
        assertMentions(e, repo + ": refs/main is missing and snapshots/ holds 2 revisions (" + OLD + ", " + NEW
                + "), so which one is current is unknown; give the snapshot folder to use");
    }

    @Test
    void theOnlySnapshotIsUsedWithoutRefsAndSaysSo() throws Exception {
        Path repo = layouts.cachedSnapshot(tmp, NEW, false);
        ModelLocation loc = locator.locate(repo);
        assertEquals(repo.resolve("snapshots").resolve(NEW), loc.root());
        assertEquals(List.of("refs/main is missing in " + repo + "; used its only snapshot " + NEW), loc.notes());
    }

    @Test
    void refsMainHoldingWhatNoPathCanHoldIsReportedNotThrown() throws Exception {
        Path repo = layouts.cachedSnapshot(tmp, OLD, false);
        TinyLayouts.writeRef(repo, "abc\0def\n");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp));
        assertMentions(e, repo.resolve("refs/main") + ": holds \"abc\0def\", which is not a revision");
        TinyLayouts.writeRef(repo, "x".repeat(5000));
        assertMentions(assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp)),
                repo.resolve("refs/main") + ": cannot be read", "larger than the 1024 bytes");
    }

    @Test
    void refsMainNamingAMissingSnapshotIsReported() throws Exception {
        Path repo = layouts.cachedSnapshot(tmp, OLD, false);
        TinyLayouts.writeRef(repo, NEW + "\n");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp));
        assertMentions(e, repo.resolve("refs/main") + ": names revision " + NEW + ", but "
                + repo.resolve("snapshots").resolve(NEW) + " is missing");
    }

    @Test
    void snapshotLinkToADeletedBlobIsReported() throws Exception {
        Path repo = layouts.cachedSnapshot(tmp, NEW, true);
        Path vae = repo.resolve("snapshots").resolve(NEW).resolve("vae/diffusion_pytorch_model.safetensors");
        Files.delete(vae);
        Files.createSymbolicLink(vae, Path.of("../../../blobs/0123abcd"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(repo));
        assertMentions(e, vae + ": is a link to a missing file (it points to ../../../blobs/0123abcd; download it again)");
    }

    @Test
    void emptyCacheEntryIsReported() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("models--Tongyi-MAI--Z-Image-Turbo/snapshots"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp));
        assertMentions(e, repo + ": is empty (nothing was downloaded into this cache entry)");
    }

    @Test
    void cacheWithoutZImageSaysItWasNeverDownloaded() throws Exception {
        Files.createDirectories(tmp.resolve("models--Qwen--Qwen3-4B/snapshots/abc"));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> locator.locate(tmp));
        assertEquals(LayoutKind.HF_CACHE, e.places().get(0).takenFor());
        assertMentions(e, tmp + ": holds no models--Tongyi-MAI--Z-Image-Turbo (nor models--Comfy-Org--z_image_turbo)");
    }

    @Test
    void cachedComfyOrgRepoIsUsedAsComfyUiFiles() throws Exception {
        Path repo = tmp.resolve("models--Comfy-Org--z_image_turbo");
        Path split = layouts.comfyModels(repo.resolve("snapshots").resolve(NEW).resolve("split_files"),
                "diffusion_models", "text_encoders");
        TinyLayouts.writeRef(repo, NEW);
        // The tokenizer comes from a Z-Image-Turbo tokenizer-only download in the same cache.
        Path zit = tmp.resolve("models--Tongyi-MAI--Z-Image-Turbo");
        layouts.tokenizer(zit.resolve("snapshots").resolve(OLD).resolve("tokenizer"));
        TinyLayouts.writeRef(zit, OLD);

        ModelLocation loc = locator.locate(tmp);
        assertEquals(LayoutKind.COMFYUI, loc.kind());
        assertEquals(split, loc.root());
        assertEquals("Comfy-Org/z_image_turbo@" + NEW, loc.identity());
        assertEquals(zit.resolve("snapshots").resolve(OLD).resolve("tokenizer"), loc.tokenizerFolder());
    }
}
