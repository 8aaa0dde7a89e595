package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FijiManagedArtifactsTest {
    @TempDir
    Path dir;

    /** pom-scijava's pom in the local Maven repository (the build passes its path). */
    static Path bom() {
        String path = System.getProperty("jimeng.fiji.bom");
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new AssertionError("jimeng.fiji.bom (pom-scijava's pom, set by pom.xml) is missing: " + path);
        }
        return Path.of(path);
    }

    @Test
    void fijisOwnLibrariesAreManagedAndDjlIsNot() throws Exception {
        FijiManagedArtifacts fiji = FijiManagedArtifacts.read(bom());
        assertTrue(fiji.manages("com.google.code.gson", "gson"));
        assertTrue(fiji.manages("net.java.dev.jna", "jna"));
        assertTrue(fiji.manages("org.slf4j", "slf4j-api"));
        assertTrue(fiji.manages("org.scijava", "scijava-common"));
        assertTrue(fiji.manages("net.imagej", "ij"));
        assertTrue(fiji.manages("net.imglib2", "imglib2"));
        assertFalse(fiji.manages("ai.djl", "api"));
        assertFalse(fiji.manages("ai.djl.pytorch", "pytorch-engine"));
        assertFalse(fiji.manages("ai.djl.pytorch", "pytorch-jni"));
        assertFalse(fiji.manages("ai.djl.huggingface", "tokenizers"));
    }

    @Test
    void jarsAreRecognisedByTheirPlaceInAMavenRepository() throws Exception {
        FijiManagedArtifacts fiji = FijiManagedArtifacts.read(bom());
        assertTrue(fiji.manages(UpdaterChecksumTest.onClassPath("gson-2.10.1.jar")));
        assertTrue(fiji.manages(UpdaterChecksumTest.onClassPath("jna-5.14.0.jar")));
        assertFalse(fiji.manages(UpdaterChecksumTest.onClassPath("api-0.36.0.jar")));

        Path inRepo = dir.resolve("com/google/code/gson/gson/2.10.1/gson-2.10.1.jar");
        Files.createDirectories(inRepo.getParent());
        Files.write(inRepo, new byte[0]);
        assertTrue(fiji.manages(inRepo));
        Path otherGroup = dir.resolve("org/example/gson/2.10.1/gson-2.10.1.jar");
        Files.createDirectories(otherGroup.getParent());
        Files.write(otherGroup, new byte[0]);
        assertFalse(fiji.manages(otherGroup), "same artifactId, other groupId");
        Path loose = dir.resolve("gson-2.10.1.jar");
        Files.write(loose, new byte[0]);
        assertFalse(fiji.manages(loose), "outside a repository layout nothing is known");
    }
}
