package io.github.jimengstudio.updatesite;

import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/**
 * How Fiji's updater names things on an update site (fiji-notes §4.1): the index is {@code db.xml.gz}; each version
 * of a file is stored as {@code <install path>-<timestamp>}, e.g. {@code jars/api-0.36.0.jar-20260101120000}, so
 * old versions stay downloadable beside new ones; a timestamp is the local date and time as the number
 * {@code yyyyMMddHHmmss}; and versions of one file are recognised by the install path without its version.
 */
public final class SiteLayout {
    /** The index file of an update site. */
    public static final String DB_FILE = "db.xml.gz";
    /** The folder (relative to Fiji.app) where library jars are installed and stored on the site. */
    public static final String JARS = "jars/";
    /**
     * The folder of the plugin's own jar: ImageJ 1.x reads menu entries ({@code plugins.config}) only from jars in
     * {@code plugins/} whose name has an underscore, as Fiji's plugins are shipped; Fiji puts both folders on the
     * class path.
     */
    public static final String PLUGINS = "plugins/";

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withResolverStyle(ResolverStyle.STRICT);

    private SiteLayout() {}

    /** Where a version of {@code filename} lies on the site, relative to the site's root. */
    public static String serverName(String filename, long timestamp) {
        return filename + "-" + timestamp;
    }

    /** The updater's timestamp of a local date and time. */
    public static long timestamp(ZonedDateTime time) {
        return Long.parseLong(TIMESTAMP.format(time));
    }

    /** The updater's timestamp of this moment, in the local time zone as the updater takes it. */
    public static long now() {
        return timestamp(ZonedDateTime.now());
    }

    /** Whether {@code timestamp} is a real date and time written as {@code yyyyMMddHHmmss}. */
    public static boolean isTimestamp(long timestamp) {
        String text = Long.toString(timestamp);
        if (text.length() != 14) {
            return false;
        }
        try {
            LocalDateTime.parse(text, TIMESTAMP);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * {@code filename} without its version: everything of the file name from the first {@code '-'} followed by a
     * digit up to {@code .jar} is dropped ({@code jars/pytorch-jni-2.7.1-0.36.0.jar} to
     * {@code jars/pytorch-jni.jar}, {@code jars/jimeng-studio-0.1.0-SNAPSHOT.jar} to {@code jars/jimeng-studio.jar}).
     * For Maven's {@code artifactId-version.jar} names this agrees with the updater's own rule (scijava-common
     * {@code FileUtils.stripFilenameVersion}).
     */
    public static String unversioned(String filename) {
        int slash = filename.lastIndexOf('/');
        String dir = filename.substring(0, slash + 1);
        String name = filename.substring(slash + 1);
        if (!name.endsWith(".jar")) {
            return filename;
        }
        for (int i = 0; i + 1 < name.length(); i++) {
            char next = name.charAt(i + 1);
            if (name.charAt(i) == '-' && next >= '0' && next <= '9') {
                return dir + name.substring(0, i) + ".jar";
            }
        }
        return filename;
    }

    /** The short name used on the command line: {@code jars/api-0.36.0.jar} to {@code api}. */
    public static String baseName(String filename) {
        String unversioned = unversioned(filename);
        String name = unversioned.substring(unversioned.lastIndexOf('/') + 1);
        return name.endsWith(".jar") ? name.substring(0, name.length() - ".jar".length()) : name;
    }
}
