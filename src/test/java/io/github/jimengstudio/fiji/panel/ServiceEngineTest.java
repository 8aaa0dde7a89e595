package io.github.jimengstudio.fiji.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import io.github.jimengstudio.fiji.JimengService;
import io.github.jimengstudio.pipeline.GeneratedImage;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import io.github.jimengstudio.provenance.ProvenanceCodec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scijava.Context;

/** The panel's real engine, without a model: the image it hands the panel carries everything the panel sent. */
class ServiceEngineTest {

    @Test
    void theImageCarriesTheNegativePromptAndEveryLoraTheControlsAskedFor() throws Exception {
        GenerationRequest request = new PanelSettings("a red fox", "blurry, text", List.of(
                new LoraUse("ink-style", 0.6), new LoraUse("pencil", 1.25)), 4, 2.0, true, "42", "64 x 64", null, null)
                .toRequest();
        try (Context context = new Context(JimengService.class)) {
            ImagePlus imp = new ServiceEngine(context.service(JimengService.class)).toImagePlus(
                    new GeneratedImage(64, 64, new byte[64 * 64 * 3], PanelSettingsTest.record(request)));
            assertEquals("blurry, text", imp.getProp("jimeng.negative_prompt"));
            assertTrue(imp.getInfoProperty().contains("Negative prompt: blurry, text\n"), imp.getInfoProperty());
            assertTrue(imp.getInfoProperty().contains("ink-style"), imp.getInfoProperty());
            assertTrue(imp.getInfoProperty().contains("pencil"), imp.getInfoProperty());
            assertEquals(request, ProvenanceCodec.requestFromProperties(imp::getProp),
                    "the image's properties give back the request the panel sent");
        }
    }
}
