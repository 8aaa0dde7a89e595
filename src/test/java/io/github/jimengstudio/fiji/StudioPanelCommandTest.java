package io.github.jimengstudio.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.jimengstudio.fiji.panel.StudioWindow;
import java.awt.GraphicsEnvironment;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

/** Headless (as in CI), the Studio Panel command refuses with a message instead of a HeadlessException. */
class StudioPanelCommandTest {

    @Test
    void headlessTheCommandIsCancelledWithAMessagePointingToWhatWorks() throws Exception {
        assumeTrue(GraphicsEnvironment.isHeadless(), "this machine has a display");
        try (Context context = new Context(JimengService.class, CommandService.class)) {
            CommandModule m = context.service(CommandService.class).run(StudioPanelCommand.class, true).get();
            assertTrue(m.isCanceled());
            assertEquals(StudioWindow.NEEDS_DISPLAY, m.getCancelReason());
        }
    }
}
