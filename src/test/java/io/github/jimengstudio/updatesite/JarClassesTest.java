package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarClassesTest {
    @TempDir
    Path dir;

    /** Names java.lang.Runnable only inside a two-dimensional array type. */
    static final class ArrayMaker {
        static Object grid() {
            return new Runnable[2][2];
        }
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        String resource = "/" + c.getName().replace('.', '/') + ".class";
        try (InputStream in = c.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    @Test
    void definedAndReferencedClassesComeFromTheConstantPools() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("io/github/jimengstudio/updatesite/SiteUpdate.class", classBytes(SiteUpdate.class));
        entries.put("META-INF/versions/11/x/ArrayMaker.class", classBytes(ArrayMaker.class));
        entries.put("module-info.class", new byte[] {1, 2, 3}); // never read: not a class of the jar's API
        entries.put("notes.txt", "not a class".getBytes());
        JarClasses classes = JarClasses.read(TestJars.write(dir.resolve("x.jar"), entries, Deflater.BEST_SPEED));

        assertEquals(Set.of("io/github/jimengstudio/updatesite/SiteUpdate", "x/ArrayMaker"), classes.defined());
        Set<String> refs = classes.referenced();
        assertTrue(refs.contains("io/github/jimengstudio/updatesite/SiteRecord"), refs.toString());
        assertTrue(refs.contains("io/github/jimengstudio/updatesite/ShippedJar"), refs.toString());
        assertTrue(refs.contains("java/util/TreeMap"), refs.toString());
        assertTrue(refs.contains("java/lang/Runnable"), refs.toString()); // from [[Ljava/lang/Runnable;
        assertFalse(refs.stream().anyMatch(r -> r.startsWith("[")), refs.toString());
    }

    @Test
    void aBrokenClassFileIsNamed() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a/Broken.class", new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61,
            0, 5, 99});
        Path jar = TestJars.write(dir.resolve("broken.jar"), entries, Deflater.BEST_SPEED);
        IOException e = assertThrows(IOException.class, () -> JarClasses.read(jar));
        assertTrue(e.getMessage().contains("a/Broken.class") && e.getMessage().contains("broken.jar"), e.getMessage());
    }
}
