package io.github.jimengstudio.tensor;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one way JSON from a file or the network is read: config files, safetensors headers and their metadata, shard
 * indexes, PEFT configs, generation records, Hub listings. Text is refused before gson sees it when it is larger
 * than the caller allows or nests deeper than {@link #MAX_DEPTH}: gson reads nesting into a stack that grows with
 * it, and its error messages and {@code toString} recurse over it, so 20,000 {@code [} in a LoRA's training
 * metadata would end in a {@link StackOverflowError} that no {@code catch} of ours sees. Messages name the origin
 * and keep gson's internals (JSON paths, advice to parse leniently) out.
 *
 * <p>Errors are {@link IllegalArgumentException}s whose message starts with the origin; each reader wraps them
 * into its own exception type as it does for any other bad value.
 */
public final class JsonLimits {
    private JsonLimits() {}

    /** No JSON this program reads nests deeper than a handful of levels; 64 leaves room for anyone's metadata. */
    public static final int MAX_DEPTH = 64;
    /** Config files, records and listings: a few kB in practice (the Hub's listing of a large repo, ~100 kB). */
    public static final int MAX_CHARS = 16 << 20;

    /**
     * Why {@code json} is refused before parsing (larger than {@code maxChars}, or nested deeper than
     * {@link #MAX_DEPTH} outside strings), or null. One linear pass, no allocation.
     */
    public static String shapeProblem(CharSequence json, long maxChars) {
        if (json.length() > maxChars) {
            return "is " + json.length() + " characters of JSON, more than the " + maxChars + " such a file can "
                    + "hold; it is damaged or not what its name says";
        }
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++; // the escaped character cannot end the string
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > MAX_DEPTH) {
                    return "nests JSON deeper than " + MAX_DEPTH + " levels (at character " + i + "); no file this "
                            + "program reads does that: it is damaged or hostile";
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return null;
    }

    /** Refuses text {@link #shapeProblem} objects to; for the streaming readers of large headers. */
    public static void checkShape(CharSequence json, String origin, long maxChars) {
        String problem = shapeProblem(json, maxChars);
        if (problem != null) {
            throw new IllegalArgumentException(origin + ": " + problem);
        }
    }

    /** The JSON value of {@code json} (strict JSON, nothing after it), at most {@link #MAX_CHARS} long. */
    public static JsonElement parse(String json, String origin) {
        return parse(json, origin, MAX_CHARS);
    }

    /** The JSON value of {@code json} (strict JSON, nothing after it), at most {@code maxChars} long. */
    public static JsonElement parse(String json, String origin, long maxChars) {
        checkShape(json, origin, maxChars);
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setLenient(false);
            JsonElement e = new Gson().getAdapter(JsonElement.class).read(r);
            if (!atEnd(r)) {
                throw new IllegalArgumentException(origin + ": is not valid JSON (something follows the value)");
            }
            return e;
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException(origin + ": is not valid JSON (" + problem(e) + ")", e);
        }
    }

    /** {@link #parse} of a value that must be an object; {@code what} names it ("a transformer config"). */
    public static JsonObject parseObject(String json, String origin, String what) {
        JsonElement e = parse(json, origin);
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(origin + ": " + what + " must be a JSON object");
        }
        return e.getAsJsonObject();
    }

    /**
     * The UTF-8 text of a small file, refused before reading when it is not an ordinary file (a FIFO would block,
     * {@code /dev/zero} never ends) or larger than {@code maxBytes}.
     *
     * @throws NoSuchFileException when it does not exist
     * @throws IOException         naming the file and why it cannot be read
     */
    public static String readText(Path file, long maxBytes) throws IOException {
        String kind = FileKind.notOrdinary(file);
        if (FileKind.NOT_FOUND.equals(kind)) {
            throw new NoSuchFileException(file.toString());
        }
        if (kind != null) {
            throw new IOException(file + " is " + kind);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new IOException(file + " is larger than the " + maxBytes + " bytes such a file can hold; it "
                        + "is damaged or not what its name says");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** True when only whitespace follows the top-level value (strict readers throw on anything else). */
    public static boolean atEnd(JsonReader r) throws IOException {
        try {
            return r.peek() == JsonToken.END_DOCUMENT;
        } catch (MalformedJsonException e) {
            return false;
        }
    }

    /**
     * gson's message, kept to where the problem is: without its advice to parse leniently (not an option for the
     * user), its links, and the JSON path (internal, and for hostile nesting as long as the text).
     */
    public static String problem(Exception e) {
        Throwable t = e instanceof JsonParseException && e.getCause() != null ? e.getCause() : e;
        String m = String.valueOf(t.getMessage())
                .replace("Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON");
        if (t instanceof java.io.EOFException) {
            m = m.replace("End of input", "the text ends early");
        }
        int path = m.indexOf(" path $");
        m = path < 0 ? m : m.substring(0, path);
        int see = m.indexOf("\nSee ");
        return see < 0 ? m : m.substring(0, see);
    }
}
