package io.github.jimengstudio.fiji.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationHistoryTest {
    @TempDir
    Path folder;

    private static GenerationRecord made(long seed) {
        return PanelSettingsTest.record(GenerationRequest.builder("a red fox " + seed).seed(seed).size(832, 1248)
                .steps(6).loras(List.of(new LoraUse("ink", 0.8))).build());
    }

    private static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xFF8800);
        return img;
    }

    @Test
    void aHistoryInAFolderSurvivesARestartNewestFirstWithThumbnails() throws Exception {
        GenerationHistory before = new GenerationHistory(3, folder);
        before.add(made(1), picture(832, 1248));
        before.add(made(2), picture(1024, 1024));
        before.add(made(3), null);

        GenerationHistory after = new GenerationHistory(3, folder);
        assertEquals(List.of(made(3).request(), made(2).request(), made(1).request()),
                after.records().stream().map(GenerationRecord::request).toList(),
                "every setting of each generation, newest first");
        List<GenerationHistory.Entry> entries = after.entries();
        assertNull(entries.get(0).thumbnail());
        assertEquals(48, entries.get(1).thumbnail().getWidth());
        assertEquals(48, entries.get(1).thumbnail().getHeight());
        assertEquals(32, entries.get(2).thumbnail().getWidth(), "832 x 1248 keeps its aspect");
        assertEquals(48, entries.get(2).thumbnail().getHeight());
    }

    @Test
    void theFolderHoldsOnlyWhatTheHistoryShows() throws Exception {
        GenerationHistory h = new GenerationHistory(2, folder);
        for (long seed = 1; seed <= 5; seed++) {
            h.add(made(seed), picture(64, 64));
        }
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of("4.json", "4.png", "5.json", "5.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(List.of(5L, 4L), new GenerationHistory(2, folder).records().stream()
                .map(r -> r.request().seed()).toList());
        // a smaller capacity after a restart keeps the newest and drops the files of the rest
        assertEquals(1, new GenerationHistory(1, folder).records().size());
        assertTrue(Files.notExists(folder.resolve("4.json")));
    }

    @Test
    void unreadableFilesAreSkippedAndTheHistoryGoesOn() throws Exception {
        Files.writeString(folder.resolve("7.json"), "[".repeat(100_000));
        Files.writeString(folder.resolve("8.json"), "{\"not\": \"a record\"}");
        Files.write(folder.resolve("8.png"), new byte[] {1, 2, 3});
        GenerationHistory h = new GenerationHistory(5, folder);
        assertEquals(List.of(), h.records());
        h.add(made(9), picture(10, 10));
        assertTrue(Files.exists(folder.resolve("9.json")), "numbered after the unreadable ones, which stay");
        assertTrue(Files.exists(folder.resolve("7.json")));
        GenerationHistory again = new GenerationHistory(5, folder);
        assertEquals(1, again.records().size());
        assertNotNull(again.entries().get(0).thumbnail());
    }
}
