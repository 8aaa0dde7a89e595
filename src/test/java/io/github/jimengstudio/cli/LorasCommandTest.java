package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.SafetensorsWriter;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jimeng loras} lists what {@code --lora} can use, and what it would refuse and why, before any model loads. */
class LorasCommandTest {

    @TempDir
    Path tmp;

    @Test
    void listsEachLoraWithFormatRankTargetsTriggerWordsAndTheRefusedWithWhy() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("lora"));
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), dir.resolve("kohya.safetensors"));
        Files.copy(Golden.file("lora-tiny/flux_foreign.safetensors"), dir.resolve("flux.safetensors"));
        Files.writeString(dir.resolve("broken.safetensors"), "truncated");
        new SafetensorsWriter().metadata("modelspec.trigger_phrase", "watercolor, soft light")
                .add("transformer.layers.0.attention.to_q.lora_A.weight", DType.F32, new long[] {4, 128},
                        new float[512])
                .add("transformer.layers.0.attention.to_q.lora_B.weight", DType.F32, new long[] {128, 4},
                        new float[512])
                .write(dir.resolve("wc.safetensors"));

        Run run = Run.of(tmp, "loras", "--lora-dir", dir.toString());
        assertEquals(0, run.status(), run.err());
        String out = run.out();
        assertTrue(out.startsWith("LoRA folder " + dir.toAbsolutePath() + ": 2 usable, 2 refused\n"), out);
        assertTrue(out.contains("\nkohya\n  format kohya/musubi, rank 4, 30 modules\n  targets "), out);
        assertTrue(out.contains("attention.to_q"), out);
        assertTrue(out.contains("\nwc\n  format diffusers/PEFT, rank 4, 1 modules\n  targets attention.to_q\n"
                + "  trigger words watercolor, soft light\n"), out);
        assertTrue(out.contains("\nbroken\n  refused: unreadable"), out);
        assertTrue(out.contains("\nflux\n  refused: ") && out.contains("FLUX"), out);
        assertTrue(out.indexOf("\nbroken\n") < out.indexOf("\nflux\n"), "sorted by name: " + out);
    }

    @Test
    void aMissingFolderIsAFailureThatSaysHowToNameOne() {
        Run run = Run.of(tmp, "loras", "--lora-dir", tmp.resolve("nowhere").toString());
        assertEquals(JimengCli.FAILED, run.status());
        assertEquals("jimeng: no LoRA folder at " + tmp.resolve("nowhere") + "; create it and put .safetensors files"
                + " in it, or name another with --lora-dir DIR.\n", run.err());
        assertTrue(Run.of(tmp, "loras", "--help").out().startsWith("Usage: jimeng loras [--lora-dir DIR]"));
    }
}
