package io.github.jimengstudio.pipeline;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One case of golden/e2e-tiny/expected/cases.json (README-e2e.md §3). */
record E2eCase(String name, String prompt, String negativePrompt, long seed, int height, int width, int steps,
        double guidance, Path tensors, Path png) {

    static E2eCase named(String prefix) {
        try {
            Path dir = Golden.file("e2e-tiny/expected");
            JsonObject all = JsonParser.parseString(Files.readString(dir.resolve("cases.json"))).getAsJsonObject();
            for (JsonElement e : all.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                if (c.get("name").getAsString().startsWith(prefix)) {
                    JsonElement neg = c.get("negative_prompt");
                    return new E2eCase(c.get("name").getAsString(), c.get("prompt").getAsString(),
                            neg == null || neg.isJsonNull() ? "" : neg.getAsString(), c.get("seed").getAsLong(),
                            c.get("height").getAsInt(), c.get("width").getAsInt(),
                            c.get("num_inference_steps").getAsInt(), c.get("guidance_scale").getAsDouble(),
                            Golden.file("e2e-tiny/expected/" + c.get("safetensors").getAsString()),
                            Golden.file("e2e-tiny/expected/" + c.get("png").getAsString()));
                }
            }
            throw new AssertionError("no e2e case " + prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    GenerationRequest.Builder request() {
        return request(prompt);
    }

    /** This case's settings with another prompt. */
    GenerationRequest.Builder request(String otherPrompt) {
        return GenerationRequest.builder(otherPrompt).negativePrompt(negativePrompt).size(width, height).steps(steps)
                .guidance(guidance).seed(seed);
    }

}
