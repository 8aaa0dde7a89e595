package io.github.jimengstudio.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fiji finds plugins only through the annotation index scijava-common's processor writes at compile time. */
class PluginIndexTest {

    @Test
    void theIndexListsTheServiceAndEveryCommandWithItsMenuPath() throws IOException {
        String index = null;
        for (URL url : Collections.list(getClass().getClassLoader()
                .getResources("META-INF/json/org.scijava.plugin.Plugin"))) {
            try (InputStream in = url.openStream()) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (text.contains(JimengService.class.getName())) {
                    index = text;
                }
            }
        }
        assertTrue(index != null, "no index lists " + JimengService.class.getName());
        for (Class<?> c : List.of(JimengService.class, GenerateImageCommand.class, RegenerateCommand.class,
                RefreshLorasCommand.class, UnloadModelCommand.class, DownloadModelCommand.class,
                DiagnosticsCommand.class, SaveWithProvenanceCommand.class, CancelCommand.class,
                StudioPanelCommand.class, SetModelFolderCommand.class, SetLoraFolderCommand.class)) {
            assertTrue(index.contains("\"class\":\"" + c.getName() + "\""), c.getName() + " missing from " + index);
        }
        for (String item : List.of("Generate Image...", "Regenerate from Image", "Refresh LoRAs", "Unload Model",
                "Download Model...", "Diagnostics", "Save with Provenance...", "Cancel", "Studio Panel",
                "Set Model Folder...", "Set LoRA Folder...")) {
            assertTrue(index.contains("\"menuPath\":\"Plugins>Jimeng Studio>" + item + "\""), item);
        }
    }

    @Test
    void imageJ1MenuEntriesNameEveryCommandWithItsOwnLabel() throws Exception {
        String config;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("plugins.config")) {
            config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^Plugins>Jimeng Studio, \"([^\"]+)\", io\\.github\\.jimengstudio\\.fiji\\.ImageJ1Entry\\(\"(\\w+)\"\\)$")
                .matcher(config);
        int entries = 0;
        while (m.find()) {
            Class<?> c = Class.forName("io.github.jimengstudio.fiji." + m.group(2));
            org.scijava.plugin.Plugin plugin = c.getAnnotation(org.scijava.plugin.Plugin.class);
            assertEquals(JimengCommand.MENU + m.group(1), plugin.menuPath(), c.getName());
            entries++;
        }
        assertEquals(11, entries, "one ImageJ 1.x entry per command:\n" + config);
    }
}
