package io.github.jimengstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.cli.JimengCliTest.Run;
import io.github.jimengstudio.tensor.SafetensorsFile;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN made by the text encoder is reported as the text encoder's, not as the transformer's first step. */
class NonFiniteBlameTest {

    @TempDir
    Path tmp;

    /** The golden tiny model with one text encoder weight (bfloat16 on disk) set to NaN throughout. */
    private Path modelWithNanTextEncoder() throws IOException {
        Path source = Golden.file("e2e-tiny/model");
        Path model = tmp.resolve("model");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Files.copy(p, model.resolve(source.relativize(p).toString()));
            }
        }
        Path shard = model.resolve("text_encoder/model-00001-of-00002.safetensors");
        long at;
        TensorInfo info;
        try (SafetensorsFile f = SafetensorsFile.open(shard)) {
            info = f.info("model.layers.0.mlp.up_proj.weight");
            ByteBuffer len = ByteBuffer.wrap(Files.readAllBytes(shard), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
            at = 8 + len.getLong() + info.begin();
        }
        ByteBuffer nan = ByteBuffer.allocate((int) info.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        while (nan.hasRemaining()) {
            nan.putShort((short) 0x7FC0); // bfloat16 NaN
        }
        nan.flip();
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            ch.write(nan, at);
        }
        return model;
    }

    @Test
    void nanFromTheTextEncoderNamesTheTextEncoderAndNoStepRuns() throws IOException {
        Path model = modelWithNanTextEncoder();
        Path out = tmp.resolve("o.png");
        Run run = Run.of(tmp, "generate", "--model", model.toString(), "--prompt", "a fox", "--seed", "1", "--steps",
                "2", "--size", "64x64", "--quiet", "--out", out.toString());
        assertEquals(JimengCli.FAILED, run.status(), run.err());
        assertTrue(run.err().contains("jimeng: The text encoder produced "), run.err());
        assertTrue(run.err().contains("NaN or infinite values (of "), run.err());
        assertTrue(run.err().contains(") for the prompt, so the transformer could only pass them on; stopped before "
                + "it ran. The text encoder ran in float32."), run.err());
        assertFalse(run.err().contains("Step 1"), run.err());
        assertFalse(Files.exists(out));
    }
}
