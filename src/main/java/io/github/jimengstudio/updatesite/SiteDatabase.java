package io.github.jimengstudio.updatesite;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads and writes an update site's {@code db.xml.gz}: gzip of UTF-8 XML with the schema inlined as a DTD, as
 * Fiji's updater writes it for a remote site (fiji-notes §4.1): only {@code <plugin>} records, no
 * {@code <update-site>} elements (those belong to a Fiji installation's own index).
 */
public final class SiteDatabase {
    /** The updater's schema (imagej-updater {@code XMLFileWriter}), so that a validating parser can check us. */
    static final String DTD = """
            <!DOCTYPE pluginRecords [
            <!ELEMENT pluginRecords ((update-site | disabled-update-site)*, plugin*)>
            <!ELEMENT update-site EMPTY>
            <!ELEMENT disabled-update-site EMPTY>
            <!ELEMENT plugin (platform*, category*, version?, previous-version*)>
            <!ELEMENT version (description?, dependency*, link*, author*)>
            <!ELEMENT previous-version EMPTY>
            <!ELEMENT dependency EMPTY>
            <!ELEMENT description (#PCDATA)>
            <!ELEMENT link (#PCDATA)>
            <!ELEMENT author (#PCDATA)>
            <!ELEMENT platform (#PCDATA)>
            <!ELEMENT category (#PCDATA)>
            <!ATTLIST update-site name CDATA #REQUIRED url CDATA #REQUIRED keep-url CDATA #IMPLIED
                official CDATA #IMPLIED ssh-host CDATA #IMPLIED upload-directory CDATA #IMPLIED
                description CDATA #IMPLIED maintainer CDATA #IMPLIED timestamp CDATA #REQUIRED>
            <!ATTLIST disabled-update-site name CDATA #REQUIRED url CDATA #REQUIRED keep-url CDATA #IMPLIED
                official CDATA #IMPLIED ssh-host CDATA #IMPLIED upload-directory CDATA #IMPLIED
                description CDATA #IMPLIED maintainer CDATA #IMPLIED timestamp CDATA #REQUIRED>
            <!ATTLIST plugin update-site CDATA #IMPLIED filename CDATA #REQUIRED executable CDATA #IMPLIED>
            <!ATTLIST dependency filename CDATA #REQUIRED timestamp CDATA #IMPLIED overrides CDATA #IMPLIED>
            <!ATTLIST version timestamp CDATA #REQUIRED checksum CDATA #REQUIRED filesize CDATA #REQUIRED>
            <!ATTLIST previous-version filename CDATA #IMPLIED timestamp CDATA #REQUIRED
                timestamp-obsolete CDATA #IMPLIED checksum CDATA #REQUIRED>
            ]>
            """;

    private SiteDatabase() {}

    /** Writes {@code records}, gzipped, to {@code out} (which is closed). */
    public static void write(List<SiteRecord> records, OutputStream out) throws IOException {
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(out), StandardCharsets.UTF_8)) {
            w.write(xml(records));
        }
    }

    /** The uncompressed XML of {@code records}. */
    static String xml(List<SiteRecord> records) {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").append(DTD);
        x.append("<pluginRecords>\n");
        for (SiteRecord r : records) {
            x.append("    <plugin filename=\"").append(escape(r.filename())).append('"');
            if (r.executable()) {
                x.append(" executable=\"true\"");
            }
            x.append(">\n");
            for (String platform : r.platforms()) {
                element(x, 8, "platform", platform);
            }
            for (String category : r.categories()) {
                element(x, 8, "category", category);
            }
            SiteRecord.Version v = r.current();
            if (v != null) {
                x.append("        <version checksum=\"").append(escape(v.checksum())).append("\" timestamp=\"")
                        .append(v.timestamp()).append("\" filesize=\"").append(v.filesize()).append("\">\n");
                if (v.description() != null) {
                    element(x, 12, "description", v.description());
                }
                for (SiteRecord.Dependency d : v.dependencies()) {
                    x.append("            <dependency filename=\"").append(escape(d.filename())).append('"');
                    if (d.timestamp() != 0) {
                        x.append(" timestamp=\"").append(d.timestamp()).append('"');
                    }
                    if (d.overrides()) {
                        x.append(" overrides=\"true\"");
                    }
                    x.append("/>\n");
                }
                for (String link : v.links()) {
                    element(x, 12, "link", link);
                }
                for (String author : v.authors()) {
                    element(x, 12, "author", author);
                }
                x.append("        </version>\n");
            }
            for (SiteRecord.PreviousVersion p : r.previous()) {
                x.append("        <previous-version timestamp=\"").append(p.timestamp()).append('"');
                if (p.timestampObsolete() != 0) {
                    x.append(" timestamp-obsolete=\"").append(p.timestampObsolete()).append('"');
                }
                x.append(" checksum=\"").append(escape(p.checksum())).append('"');
                if (p.filename() != null) {
                    x.append(" filename=\"").append(escape(p.filename())).append('"');
                }
                x.append("/>\n");
            }
            x.append("    </plugin>\n");
        }
        return x.append("</pluginRecords>\n").toString();
    }

    private static void element(StringBuilder x, int indent, String name, String text) {
        x.append(" ".repeat(indent)).append('<').append(name).append('>').append(escape(text))
                .append("</").append(name).append(">\n");
    }

    /** Text or attribute value as XML; line breaks and tabs as character references so attributes keep them. */
    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\n' -> out.append("&#10;");
                case '\r' -> out.append("&#13;");
                case '\t' -> out.append("&#9;");
                default -> {
                    if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
                        throw new IllegalArgumentException("Character U+" + String.format("%04X", (int) c)
                                + " cannot be written to db.xml.gz (in \"" + s + "\"); remove it.");
                    }
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    /** Reads a gzipped {@code db.xml.gz} from {@code in}; {@code source} names it in error messages. */
    public static List<SiteRecord> read(InputStream in, String source) throws IOException {
        try (InputStream xml = new GZIPInputStream(in)) {
            return parse(xml, source);
        }
    }

    private static List<SiteRecord> parse(InputStream xml, String source) throws IOException {
        RecordHandler handler = new RecordHandler(source);
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParser parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.parse(new InputSource(xml), handler);
        } catch (SAXParseException e) {
            throw new IOException(source + " line " + e.getLineNumber() + ": " + e.getMessage(), e);
        } catch (SAXException | ParserConfigurationException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        return handler.records;
    }

    /** Collects {@code <plugin>} records; {@code <update-site>} elements of a local index are ignored. */
    private static final class RecordHandler extends DefaultHandler {
        private final String source;
        final List<SiteRecord> records = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();

        private String filename;
        private boolean executable;
        private List<String> platforms;
        private List<String> categories;
        private List<SiteRecord.PreviousVersion> previous;
        private String[] version; // checksum, timestamp, filesize
        private String description;
        private List<SiteRecord.Dependency> dependencies;
        private List<String> links;
        private List<String> authors;

        RecordHandler(String source) {
            this.source = source;
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes a) throws SAXException {
            text.setLength(0);
            String tag = uri.isEmpty() ? qName : local;
            if (tag.equals("plugin")) {
                filename = required(a, tag, "filename");
                executable = "true".equalsIgnoreCase(a.getValue("executable"));
                platforms = new ArrayList<>();
                categories = new ArrayList<>();
                previous = new ArrayList<>();
                version = null;
                description = null;
                dependencies = new ArrayList<>();
                links = new ArrayList<>();
                authors = new ArrayList<>();
                return;
            }
            if (filename == null) {
                return;
            }
            switch (tag) {
                case "version" -> version = new String[] {required(a, tag, "checksum"),
                        required(a, tag, "timestamp"), required(a, tag, "filesize")};
                case "previous-version" -> previous.add(new SiteRecord.PreviousVersion(
                        number(required(a, tag, "timestamp"), tag), required(a, tag, "checksum"),
                        a.getValue("filename"), number(a.getValue("timestamp-obsolete"), tag)));
                case "dependency" -> dependencies.add(new SiteRecord.Dependency(required(a, tag, "filename"),
                        number(a.getValue("timestamp"), tag), "true".equals(a.getValue("overrides"))));
                default -> { }
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            text.append(ch, start, length);
        }

        @Override
        public void endElement(String uri, String local, String qName) throws SAXException {
            String tag = uri.isEmpty() ? qName : local;
            if (filename == null) {
                return;
            }
            switch (tag) {
                case "platform" -> platforms.add(text.toString());
                case "category" -> categories.add(text.toString());
                case "description" -> description = text.toString();
                case "link" -> links.add(text.toString());
                case "author" -> authors.add(text.toString());
                case "plugin" -> {
                    SiteRecord.Version current = version == null ? null : new SiteRecord.Version(
                            number(version[1], "version"), version[0], number(version[2], "version"),
                            description, dependencies, links, authors);
                    records.add(new SiteRecord(filename, executable, platforms, categories, current, previous));
                    filename = null;
                }
                default -> { }
            }
            text.setLength(0);
        }

        private String required(Attributes a, String tag, String name) throws SAXException {
            String value = a.getValue(name);
            if (value == null) {
                throw new SAXException(source + ": <" + tag + "> without the required attribute " + name
                        + (filename != null ? " (in the record of " + filename + ")" : ""));
            }
            return value;
        }

        private long number(String value, String tag) throws SAXException {
            if (value == null) {
                return 0;
            }
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new SAXException(source + ": <" + tag + "> of " + filename + " has '" + value
                        + "' where a whole number belongs");
            }
        }
    }
}
