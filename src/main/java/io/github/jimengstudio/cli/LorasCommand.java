package io.github.jimengstudio.cli;

import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.lora.LoraLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code jimeng loras}: what the LoRA folder holds, as the library sees it from the files' headers (no tensor data
 * is read): format, rank, patched modules, targets and trigger words, and the files that would be refused, with
 * why, so a user learns it before a generation fails on one.
 */
final class LorasCommand {
    static final String USAGE = String.join("\n",
            "Usage: jimeng loras [--lora-dir DIR]",
            "",
            "Lists the LoRAs of the LoRA folder (default: lora/ in the project folder) as generate --lora finds",
            "them: name, format, rank, targets and trigger words, and the files that are refused, with why.",
            "",
            "  --lora-dir DIR           the LoRA folder to list");

    private final PrintStream out;
    private final PrintStream err;

    LorasCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** The folder to list: {@code --lora-dir}, else the default folder generate uses. */
    static Path parse(List<String> args) throws UsageException {
        String dir = Arguments.parse("loras", args, Set.of("--lora-dir"), Set.of()).one("--lora-dir");
        return dir != null ? Path.of(dir) : JimengCli.defaultLoraFolder();
    }

    int run(Path folder) {
        if (!Files.isDirectory(folder)) {
            err.println("jimeng: no LoRA folder at " + folder.toAbsolutePath() + "; create it and put .safetensors"
                    + " files in it, or name another with --lora-dir DIR.");
            return JimengCli.FAILED;
        }
        List<LoraInfo> entries;
        try {
            entries = new LoraLibrary(folder).ensureScanned().entries();
        } catch (IOException e) {
            err.println("jimeng: reading the LoRA folder " + folder + ": " + e.getMessage());
            return JimengCli.FAILED;
        }
        long usable = entries.stream().filter(LorasCommand::usable).count();
        out.println("LoRA folder " + folder.toAbsolutePath() + ": " + usable + " usable, " + (entries.size() - usable)
                + " refused");
        for (LoraInfo info : entries) {
            out.println();
            out.print(describe(info));
        }
        return JimengCli.OK;
    }

    /** Usable by {@code --lora}: its header reads as a LoRA and nothing says it was made for another model. */
    static boolean usable(LoraInfo info) {
        return info.usable() && info.foreignHint() == null;
    }

    /** The lines for one LoRA: its name (what {@code --lora} takes), then what it is, or why it is refused. */
    static String describe(LoraInfo info) {
        StringBuilder sb = new StringBuilder(info.name()).append('\n');
        if (!info.usable()) {
            return sb.append("  refused: ").append(info.problem()).append('\n').toString();
        }
        if (info.foreignHint() != null) {
            sb.append("  refused: ").append(info.foreignHint()).append('\n');
        }
        sb.append("  format ").append(info.format().label()).append(", rank ")
                .append(info.ranks().size() == 1 ? info.ranks().first().toString() : info.ranks().toString())
                .append(", ").append(info.modules()).append(" modules");
        if (info.baseModel() != null) {
            sb.append(", base model ").append(info.baseModel());
        }
        sb.append('\n').append("  targets ").append(info.targets().isEmpty() ? "none recognised"
                : String.join(", ", info.targets())).append('\n');
        List<String> triggers = info.triggerWords();
        sb.append("  trigger words ").append(triggers.isEmpty() ? "none recorded" : String.join(", ", triggers))
                .append('\n');
        return sb.toString();
    }
}
