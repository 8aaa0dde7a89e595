package io.github.jimengstudio.updatesite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The artifacts (groupId:artifactId) whose versions Fiji's bill of materials, {@code pom-scijava}, manages. Fiji
 * ships these jars itself, in the versions the BOM names; a second copy from our site would put two versions of
 * one library into Fiji's {@code jars/} folder, so the site leaves every such jar out and uses Fiji's.
 */
public final class FijiManagedArtifacts {
    private final Set<String> managed;
    private final String source;

    private FijiManagedArtifacts(Set<String> managed, String source) {
        this.managed = Set.copyOf(managed);
        this.source = source;
    }

    /** Reads the {@code <dependencyManagement>} of a {@code pom-scijava-X.pom}. */
    public static FijiManagedArtifacts read(Path bom) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            DocumentBuilder builder = factory.newDocumentBuilder();
            doc = builder.parse(bom.toFile());
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException(bom + " is not a readable pom: " + e.getMessage(), e);
        }
        Set<String> managed = new HashSet<>();
        NodeList sections = doc.getDocumentElement().getElementsByTagName("dependencyManagement");
        for (int s = 0; s < sections.getLength(); s++) {
            NodeList deps = ((Element) sections.item(s)).getElementsByTagName("dependency");
            for (int i = 0; i < deps.getLength(); i++) {
                Element dep = (Element) deps.item(i);
                String group = child(dep, "groupId");
                String artifact = child(dep, "artifactId");
                if (group != null && artifact != null) {
                    managed.add(group + ":" + artifact);
                }
            }
        }
        if (managed.isEmpty()) {
            throw new IOException(bom + " manages no dependencies; is it pom-scijava's pom?");
        }
        return new FijiManagedArtifacts(managed, bom.getFileName().toString());
    }

    /** Whether the BOM manages {@code groupId:artifactId}. */
    public boolean manages(String groupId, String artifactId) {
        return managed.contains(groupId + ":" + artifactId);
    }

    /**
     * Whether {@code jar}, a file in a Maven repository ({@code <group path>/<artifactId>/<version>/<file>}), is
     * an artifact the BOM manages. A jar outside that layout is not recognised and so is not managed.
     */
    public boolean manages(Path jar) {
        Path versionDir = jar.toAbsolutePath().normalize().getParent();
        Path artifactDir = versionDir == null ? null : versionDir.getParent();
        if (artifactDir == null || artifactDir.getParent() == null) {
            return false;
        }
        String artifact = artifactDir.getFileName().toString();
        if (!jar.getFileName().toString().startsWith(artifact + "-" + versionDir.getFileName())) {
            return false;
        }
        Path groupDir = artifactDir.getParent();
        for (String entry : managed) {
            int colon = entry.indexOf(':');
            if (entry.substring(colon + 1).equals(artifact)
                    && groupDir.endsWith(entry.substring(0, colon).replace('.', '/'))) {
                return true;
            }
        }
        return false;
    }

    /** The BOM's file name, for messages. */
    public String source() {
        return source;
    }

    private static String child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
