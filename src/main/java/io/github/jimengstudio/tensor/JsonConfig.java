package io.github.jimengstudio.tensor;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model component's {@code config.json} as diffusers and transformers write it: a flat JSON object whose absent
 * (or null) keys take the class defaults. The typed getters refuse a value of the wrong kind with an
 * {@link IllegalArgumentException} naming the key; each config turns that into its own exception type, prefixed
 * with the file it came from.
 */
public final class JsonConfig {

    /** Builds a config's own exception (all of them are {@link IOException}s) from a message and its cause. */
    @FunctionalInterface
    public interface Errors<E extends IOException> {
        E error(String message, Throwable cause);
    }

    private final JsonObject o;

    private JsonConfig(JsonObject o) {
        this.o = o;
    }

    /**
     * The text of a config file. {@code what} names the config in messages ("VAE config"), {@code where} is its
     * place in the model folder ("vae/config.json"), so that a missing file says what to download.
     */
    public static <E extends IOException> String readText(Path file, String what, String where, Errors<E> errors)
            throws E {
        try {
            return JsonLimits.readText(file, JsonLimits.MAX_CHARS);
        } catch (NoSuchFileException e) {
            throw errors.error(file + ": " + what + " not found; the model folder needs " + where
                    + " (download it with the model)", e);
        } catch (IOException e) {
            throw errors.error(file + ": cannot read the " + what + " (" + e.getMessage() + ")", e);
        }
    }

    /** The JSON object of a config's text; {@code origin} names it in messages. */
    public static <E extends IOException> JsonObject parseObject(String json, String origin, String what,
            Errors<E> errors) throws E {
        try {
            return JsonLimits.parseObject(json, origin, "a " + what);
        } catch (IllegalArgumentException e) {
            throw errors.error(e.getMessage(), e);
        }
    }

    /** A config's text as typed values; see {@link #parseObject} for {@code origin} and {@code what}. */
    public static <E extends IOException> JsonConfig parse(String json, String origin, String what, Errors<E> errors)
            throws E {
        return new JsonConfig(parseObject(json, origin, what, errors));
    }

    /**
     * Refuses a config of another class ({@code _class_name}; absent means the expected one), so that a file
     * meant for a different model is named as such instead of read into wrong values.
     */
    public void requireClassName(String expected) {
        String className = string("_class_name", expected);
        if (!expected.equals(className)) {
            throw new IllegalArgumentException("_class_name is '" + className + "', but only " + expected
                    + " is implemented");
        }
    }

    /** Whether the key is present with a non-null value. */
    public boolean has(String key) {
        JsonElement e = o.get(key);
        return e != null && !e.isJsonNull();
    }

    /** The key's raw value, or null when absent or JSON null. */
    public JsonElement element(String key) {
        return has(key) ? o.get(key) : null;
    }

    /** The key's primitive value, or null when the key is absent or JSON null (the class default then applies). */
    private JsonPrimitive primitive(String key) {
        JsonElement e = element(key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new IllegalArgumentException(key + " is " + e + "; expected a single value");
        }
        return e.getAsJsonPrimitive();
    }

    public double number(String key, double fallback) {
        JsonPrimitive p = primitive(key);
        if (p == null) {
            return fallback;
        }
        if (!p.isNumber()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected a number");
        }
        return p.getAsDouble();
    }

    public int integer(String key, int fallback) {
        return wholeNumber(key, number(key, fallback));
    }

    public boolean bool(String key, boolean fallback) {
        JsonPrimitive p = primitive(key);
        if (p == null) {
            return fallback;
        }
        if (!p.isBoolean()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected true or false");
        }
        return p.getAsBoolean();
    }

    public String string(String key, String fallback) {
        JsonPrimitive p = primitive(key);
        if (p == null) {
            return fallback;
        }
        if (!p.isString()) {
            throw new IllegalArgumentException(key + " is " + p + "; expected a string");
        }
        return p.getAsString();
    }

    public List<Integer> integers(String key, List<Integer> fallback) {
        List<JsonPrimitive> a = array(key);
        if (a == null) {
            return fallback;
        }
        List<Integer> out = new ArrayList<>(a.size());
        for (JsonPrimitive p : a) {
            if (!p.isNumber()) {
                throw new IllegalArgumentException(key + " is " + a + "; expected a list of numbers");
            }
            out.add(wholeNumber(key, p.getAsDouble()));
        }
        return out;
    }

    public List<String> strings(String key, List<String> fallback) {
        List<JsonPrimitive> a = array(key);
        if (a == null) {
            return fallback;
        }
        List<String> out = new ArrayList<>(a.size());
        for (JsonPrimitive p : a) {
            if (!p.isString()) {
                throw new IllegalArgumentException(key + " is " + a + "; expected a list of strings");
            }
            out.add(p.getAsString());
        }
        return out;
    }

    /** A JSON array of primitives, or null when the key is absent or JSON null. */
    private List<JsonPrimitive> array(String key) {
        JsonElement e = element(key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(key + " is " + e + "; expected a list");
        }
        JsonArray a = e.getAsJsonArray();
        List<JsonPrimitive> out = new ArrayList<>(a.size());
        for (JsonElement x : a) {
            if (!x.isJsonPrimitive()) {
                throw new IllegalArgumentException(key + " is " + e + "; expected a list of single values");
            }
            out.add(x.getAsJsonPrimitive());
        }
        return out;
    }

    private static int wholeNumber(String key, double v) {
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " is " + v + "; expected a whole number");
        }
        return (int) v;
    }
}
