package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.pipeline.Stage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The decode's progress on a terminal (a bar redrawn in place) and in a log (a line per quarter). */
class TerminalProgressTest {

    private static String run(boolean interactive) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        TerminalProgress p = new TerminalProgress(out, interactive);
        p.stage(Stage.DECODING);
        p.stageProgress(Stage.DECODING, 0, "tile 1/4");
        p.stageProgress(Stage.DECODING, 0.3, "tile 2/4, up block 4/4");
        p.stageProgress(Stage.DECODING, 0.5, "tile 3/4");
        p.stageProgress(Stage.DECODING, 1, "tile 4/4, output");
        p.cancelled("done");
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTerminalSeesTheDecodeBarMoveInPlace() {
        assertEquals("Decoding image ...\n"
                + "\rDecoding image [........................]   0%  tile 1/4   "
                + "\rDecoding image [#######.................]  30%  tile 2/4, up block 4/4   "
                + "\rDecoding image [############............]  50%  tile 3/4" + " ".repeat(14 + 3) // blanks the longer line
                + "\rDecoding image [########################] 100%  tile 4/4, output   \n", run(true));
    }

    @Test
    void aLogGetsALinePerQuarterOfTheDecode() {
        assertEquals("Decoding image ...\nDecoding image 30%  tile 2/4, up block 4/4\nDecoding image 50%  tile 3/4\n"
                + "Decoding image 100%  tile 4/4, output\n", run(false));
    }
}
