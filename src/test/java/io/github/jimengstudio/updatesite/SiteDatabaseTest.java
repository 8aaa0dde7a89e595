package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.xml.parsers.SAXParserFactory;
import org.junit.jupiter.api.Test;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

class SiteDatabaseTest {

    static List<SiteRecord> sample() {
        SiteRecord.Version plugin = new SiteRecord.Version(20260301120000L, "bd9ce851e8efeaf44d0659eb8d766324e0dd6342",
                325_748, "Text to image: \"Z-Image\" <Turbo> & more,\nsecond line\ttabbed",
                List.of(new SiteRecord.Dependency("jars/api-0.36.0.jar", 20260101000000L, false),
                        new SiteRecord.Dependency("jars/other.jar", 0, true)),
                List.of("https://example.org/jimeng"), List.of("Jimeng Studio contributors", "李 四"));
        SiteRecord.Version api = new SiteRecord.Version(20260101000000L, "f5f03f52a177d7feb7a4201e615e0d30eef7ceb2",
                1_000_131, null, List.of(), List.of(), List.of());
        return List.of(
                new SiteRecord("jars/api-0.36.0.jar", false, List.of(), List.of(), api, List.of()),
                new SiteRecord("jars/jimeng-studio-0.2.0.jar", false, List.of("linux64"), List.of("AI"), plugin,
                        List.of(new SiteRecord.PreviousVersion(20260101000000L, "aaaa", "jars/jimeng-studio-0.1.0.jar",
                                20260301120000L), new SiteRecord.PreviousVersion(20251201000000L, "bbbb", null, 0))),
                new SiteRecord("jars/dropped-1.0.jar", true, List.of(), List.of(), null,
                        List.of(new SiteRecord.PreviousVersion(20251201000000L, "cccc", null, 20260101000000L))));
    }

    @Test
    void writtenIndexIsGzippedUtf8XmlThatValidatesAgainstTheUpdatersSchema() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        SiteDatabase.write(sample(), gz);
        byte[] bytes = gz.toByteArray();
        assertEquals(0x1f, bytes[0] & 0xff);
        assertEquals(0x8b, bytes[1] & 0xff);
        String xml = new String(new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes(),
                StandardCharsets.UTF_8);
        assertTrue(xml.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE pluginRecords ["), xml);
        assertTrue(xml.contains("<author>李 四</author>"), xml);

        assertEquals(List.of(), schemaProblems(xml));
    }

    /** What a validating parser reports when it checks every element and attribute against the inline DTD. */
    static List<String> schemaProblems(String xml) throws Exception {
        List<String> problems = new ArrayList<>();
        SAXParserFactory factory = SAXParserFactory.newInstance();
        factory.setValidating(true);
        factory.setNamespaceAware(true);
        factory.newSAXParser().parse(new InputSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))),
                new DefaultHandler() {
                    @Override
                    public void error(SAXParseException e) {
                        problems.add("line " + e.getLineNumber() + ": " + e.getMessage());
                    }
                });
        return problems;
    }

    @Test
    void schemaViolationsAreCaughtByThatValidation() throws Exception {
        // The validation above can fail: an element the schema does not declare is reported.
        String xml = SiteDatabase.xml(sample()).replace("<platform>linux64</platform>", "<bogus/>");
        List<String> problems = schemaProblems(xml);
        assertTrue(problems.stream().anyMatch(p -> p.contains("bogus")), problems.toString());
    }

    @Test
    void recordsSurviveWriteAndReadUnchanged() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        SiteDatabase.write(sample(), gz);
        List<SiteRecord> back = SiteDatabase.read(new ByteArrayInputStream(gz.toByteArray()), "test");
        assertEquals(sample(), back);
        assertNull(back.get(2).current());
    }

    @Test
    void readsTheUpdatersOwnTestIndexWithoutDtdOrOptionalParts() throws Exception {
        // The shape imagej-updater's UpdaterTest writes by hand: no DTD, no descriptions, an obsolete record.
        String db = "<pluginRecords> <plugin filename=\"jars/Jama-1.0.2.jar\">"
                + "  <previous-version timestamp=\"1\" checksum=\"a\" />"
                + "  <previous-version timestamp=\"2\" checksum=\"b\" /> </plugin>"
                + " <plugin filename=\"jars/Jama.jar\">  <version checksum=\"d\" timestamp=\"4\" filesize=\"10\" />"
                + "  <previous-version timestamp=\"3\" checksum=\"c\" /> </plugin></pluginRecords>";
        List<SiteRecord> records = SiteDatabase.read(new ByteArrayInputStream(gzip(db)), "test");
        assertEquals(2, records.size());
        assertNull(records.get(0).current());
        assertEquals(List.of(new SiteRecord.PreviousVersion(1, "a", null, 0),
                new SiteRecord.PreviousVersion(2, "b", null, 0)), records.get(0).previous());
        SiteRecord.Version v = records.get(1).current();
        assertEquals("d", v.checksum());
        assertEquals(4, v.timestamp());
        assertEquals(10, v.filesize());
    }

    @Test
    void aMissingRequiredAttributeIsNamed() {
        String db = "<pluginRecords><plugin filename=\"jars/x-1.jar\"><version checksum=\"d\" timestamp=\"4\"/>"
                + "</plugin></pluginRecords>";
        IOException e = assertThrows(IOException.class,
                () -> SiteDatabase.read(new ByteArrayInputStream(gzip(db)), "site/db.xml.gz"));
        assertTrue(e.getMessage().contains("filesize") && e.getMessage().contains("jars/x-1.jar")
                && e.getMessage().contains("site/db.xml.gz"), e.getMessage());
        assertThrows(IOException.class, () -> SiteDatabase.read(new ByteArrayInputStream(new byte[] {1, 2}), "x"));
    }

    @Test
    void controlCharactersAreRefusedRatherThanWrittenAsBrokenXml() {
        SiteRecord bad = new SiteRecord("jars/x.jar", false, List.of(), List.of(),
                new SiteRecord.Version(20260101000000L, "c", 1, "bell\u0007", List.of(), List.of(), List.of()),
                List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SiteDatabase.xml(List.of(bad)));
        assertTrue(e.getMessage().contains("U+0007"), e.getMessage());
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
