package io.github.jimengstudio.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * This software's version, for the generation record: the Maven project version, written into
 * {@code version.properties} by resource filtering at build time (so it is right in the jar, in
 * {@code target/classes} and in Fiji alike).
 */
public final class Version {
    private Version() {}

    public static final String NAME = "Jimeng Studio";
    private static final String RESOURCE = "/io/github/jimengstudio/version.properties";
    private static final String VERSION = read();

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            // An unfiltered copy (e.g. an IDE build that skipped Maven) still holds the placeholder.
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The version number, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} when the build did not record one. */
    public static String number() {
        return VERSION;
    }

    /** Name and version, e.g. {@code Jimeng Studio 0.1.0}. */
    public static String full() {
        return NAME + " " + VERSION;
    }
}
