package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.jimengstudio.testing.Golden;
import io.github.jimengstudio.textenc.QwenTokenizer;
import io.github.jimengstudio.textenc.QwenTokenizerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfTestModelTest {

    @Test
    void theByteSymbolsAreQwenTwosByteLevelVocabulary() throws IOException {
        JsonObject vocab = JsonParser.parseString(Files.readString(Golden.file("e2e-tiny/model/tokenizer/tokenizer.json")))
                .getAsJsonObject().getAsJsonObject("model").getAsJsonObject("vocab");
        List<String> symbols = QwenTokenizerJson.byteLevelVocabulary();
        assertEquals(256, symbols.size());
        for (int id = 0; id < 256; id++) {
            assertEquals(id, vocab.get(symbols.get(id)).getAsInt(), "symbol " + symbols.get(id));
        }
    }

    @Test
    void theWrittenFolderIsAModelTheLocatorAndTokenizerAccept(@TempDir Path tmp) throws IOException {
        Path folder = SelfTestModel.write(tmp.resolve("tiny"));
        ModelLocation loc = ZImagePipelineTest.locate(folder);
        assertEquals(LayoutKind.HF_FOLDER, loc.kind());
        try (QwenTokenizer t = QwenTokenizer.open(loc.tokenizerFolder())) {
            assertEquals(256, t.endOfTextId());
            assertEquals(257, t.imStartId());
            assertEquals(258, t.imEndId());
            // Without merges every byte is one token: "<|im_start|>" + "hé" = 1 + 3 ids ('h', two bytes of é).
            assertArrayEquals(new long[] {257, 71, 127, 102}, t.encode("<|im_start|>hé", 512).ids());
        }
        try (ZImagePipeline p = ZImagePipeline.load(loc, PipelineOptions.defaults())) {
            GeneratedImage img = p.generate(GenerationRequest.builder("x").size(64, 64).steps(1).seed(1).build());
            assertEquals(64, img.width());
            assertEquals(List.of(), img.record().warnings());
            // 600 bytes are 600 tokens with this tokenizer: cut at 512, and the user is told, not left to guess.
            List<String> told = new ArrayList<>();
            GeneratedImage cut = p.generate(GenerationRequest.builder("y".repeat(600)).size(64, 64).steps(1).seed(1)
                    .build(), new ProgressListener() {
                        @Override
                        public void warning(String message) {
                            told.add(message);
                        }
                    }, CancellationToken.none());
            assertEquals(1, told.size());
            assertEquals(told, cut.record().warnings());
            assertTrue(told.get(0).startsWith("The prompt: "), told.get(0));
            assertTrue(told.get(0).contains("512"), told.get(0));
        }
    }
}
