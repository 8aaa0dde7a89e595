package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --lora and --lora-dir mistakes are told as what they are, before the model loads. */
class LoraOptionMessagesTest {

    @TempDir
    Path tmp;

    private Run generate(String... extra) {
        String[] base = {"generate", "--model", Golden.file("e2e-tiny/model").toString(), "--prompt", "fox", "--out",
            tmp.resolve("o.png").toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Run.of(tmp, all);
    }

    @Test
    void aLoraDirThatIsAFileOrMissingIsSaidToBeSo() throws IOException {
        Path file = Files.writeString(tmp.resolve("loras.txt"), "x");
        Run asFile = generate("--lora", "ink", "--lora-dir", file.toString());
        assertEquals(JimengCli.USAGE, asFile.status(), asFile.err());
        assertEquals("jimeng: No LoRA named 'ink': the LoRA folder " + file + " is a file, not a folder. Give the "
                + "folder that holds it with --lora-dir DIR.\n", asFile.err());
        Run missing = generate("--lora", "ink", "--lora-dir", tmp.resolve("nope").toString());
        assertEquals("jimeng: No LoRA named 'ink': the LoRA folder " + tmp.resolve("nope") + " does not exist. Give "
                + "the folder that holds it with --lora-dir DIR.\n", missing.err());
    }

    @Test
    void aLoraFileNameWithAColonAndANumberIsPointedAtInsteadOfReportedMissing() throws IOException {
        Path loras = Files.createDirectories(tmp.resolve("loras"));
        Files.copy(Golden.file("lora-tiny/kohya.safetensors"), loras.resolve("ink:2.safetensors"));
        Run run = generate("--lora", "ink:2", "--lora-dir", loras.toString());
        assertEquals(JimengCli.USAGE, run.status(), run.err());
        assertEquals("jimeng: No LoRA named 'ink', but there is one named 'ink:2': what follows the last ':' is read "
                + "as the strength, so give it with one, e.g. --lora 'ink:2:1.0'.\n", run.err());
    }
}
