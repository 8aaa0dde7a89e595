package io.github.jimengstudio.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleItem;

/** The pieces that make the commands behave in ImageJ 1.x macros (run in the real host by the host tests). */
class MacroSupportTest {

    @Test
    void aBareWordInTheOptionsIsAFlagButNotInsideABracketedValue() {
        assertTrue(MacroInputs.hasFlag("new_seed", "new_seed"));
        assertTrue(MacroInputs.hasFlag("image=[fox (seed 42)] new_seed ", "new_seed"));
        assertTrue(MacroInputs.hasFlag("NEW_SEED", "new_seed"), "ImageJ 1.x keys are case-insensitive");
        assertFalse(MacroInputs.hasFlag("new_seed=false", "new_seed"));
        assertFalse(MacroInputs.hasFlag("prompt=[a cat with a new_seed hat]", "new_seed"));
        assertFalse(MacroInputs.hasFlag("new_seeds", "new_seed"));
        assertFalse(MacroInputs.hasFlag(null, "new_seed"));
    }

    @Test
    void aVariationChosenOnceIsNotRememberedForTheNextRegenerate() {
        try (Context context = new Context(CommandService.class)) {
            CommandInfo info = context.service(CommandService.class).getCommand(RegenerateCommand.class);
            ModuleItem<?> newSeed = info.getInput("new_seed");
            assertFalse(newSeed.isPersisted(), "new_seed must not be persisted");
        }
    }

    @Test
    void aLongMessageGetsAOneSentenceSummaryAndKeepsTheRestAsDetails() {
        String message = "No Z-Image-Turbo model was found. Looked in: /home/u/Fiji.app/models (no folder), "
                + "/home/u/.cache/huggingface/hub (no models--Tongyi-MAI--Z-Image-Turbo). Choose a folder with "
                + "Set Model Folder, or download it.";
        ErrorReport r = ErrorReport.of(new IOException(message));
        assertEquals("No Z-Image-Turbo model was found.", r.summary());
        assertEquals(message, r.details());
        assertTrue(r.hasDetails());
        for (String line : ErrorReport.wrap(message, 80).split("\n")) {
            assertTrue(line.length() <= 80, line);
        }
        assertEquals(message.replace("\n", " "), ErrorReport.wrap(message, 80).replace("\n", " "));
    }

    @Test
    void aSummaryNeverEndsAtAnAbbreviationOrInsideAPathAndIsBounded() {
        assertEquals("Use a size such as 1024x1024, e.g. 512x768 for portraits.",
                ErrorReport.summarize("Use a size such as 1024x1024, e.g. 512x768 for portraits. More text."));
        assertEquals("Cannot read /data/model.safetensors: truncated.",
                ErrorReport.summarize("Cannot read /data/model.safetensors: truncated."));
        assertEquals("Headless, use Generate Image... or the command line.",
                ErrorReport.summarize("Headless, use Generate Image... or the command line. Details."));
        String endless = "x".repeat(1000);
        assertEquals(ErrorReport.SUMMARY_CHARS, ErrorReport.summarize(endless).length());
    }

    @Test
    void errorsWithoutAMessageAreNamedAndOutOfMemorySaysWhatToDo() {
        assertTrue(ErrorReport.messageOf(new OutOfMemoryError("Java heap space")).startsWith("Out of memory"));
        assertTrue(ErrorReport.messageOf(new OutOfMemoryError()).contains("Memory & Threads"));
        assertTrue(ErrorReport.messageOf(new StackOverflowError()).contains("nested too deeply"));
        assertEquals("NullPointerException", ErrorReport.messageOf(new NullPointerException()));
        ErrorReport caused = ErrorReport.of(new IOException("Reading the LoRA failed.",
                new IllegalStateException("header is 3 bytes")));
        assertEquals("Reading the LoRA failed.\nCaused by: header is 3 bytes", caused.details());
    }
}
