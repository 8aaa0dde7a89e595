package io.github.jimengstudio.updatesite;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The classes a jar defines and the classes its bytecode names, in internal form ({@code ai/djl/ndarray/NDArray}).
 * Fiji's updater finds a jar's dependencies the same way, from the class constants of its class files, so that
 * is what this reads: every {@code CONSTANT_Class} entry of every class file's constant pool (an array type
 * counts as its element class). Classes under {@code META-INF/versions/N/} are named without that prefix.
 */
public record JarClasses(Set<String> defined, Set<String> referenced) {
    private static final String VERSIONED = "META-INF/versions/";

    public JarClasses {
        defined = Collections.unmodifiableSet(new TreeSet<>(defined));
        referenced = Collections.unmodifiableSet(new TreeSet<>(referenced));
    }

    /** Reads every class file in {@code jar}. */
    public static JarClasses read(Path jar) throws IOException {
        Set<String> defined = new TreeSet<>();
        Set<String> referenced = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                String name = entry.getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class")) {
                    continue;
                }
                defined.add(unversioned(name.substring(0, name.length() - ".class".length())));
                try (InputStream in = file.getInputStream(entry)) {
                    classConstants(in.readAllBytes(), referenced);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(jar.getFileName() + ": " + name + " is not a readable class file ("
                            + e.getMessage() + ")", e);
                }
            }
        }
        return new JarClasses(defined, referenced);
    }

    private static String unversioned(String entry) {
        if (!entry.startsWith(VERSIONED)) {
            return entry;
        }
        int slash = entry.indexOf('/', VERSIONED.length());
        return slash < 0 ? entry : entry.substring(slash + 1);
    }

    /** Adds the class names of the class-file constant pool (JVMS §4.4) to {@code into}. */
    static void classConstants(byte[] classFile, Set<String> into) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("no class-file magic number");
        }
        in.readUnsignedShort(); // minor version
        in.readUnsignedShort(); // major version
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF(); // u2 length + modified UTF-8, exactly DataInput's format
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.skipNBytes(2); // String, MethodType, Module, Package
                case 15 -> in.skipNBytes(3); // MethodHandle
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> { // Long and Double take two pool slots
                    in.skipNBytes(8);
                    i++;
                }
                default -> throw new IOException("unknown constant-pool tag " + tag + " at entry " + i);
            }
        }
        for (int index : classNameIndex) {
            if (index == 0) {
                continue;
            }
            if (index >= count || utf8[index] == null) {
                throw new IOException("class constant points at " + index + ", which is not a UTF-8 constant");
            }
            String name = utf8[index];
            if (name.startsWith("[")) {
                int l = name.indexOf('L');
                if (l < 0 || !name.endsWith(";")) {
                    continue; // an array of primitives
                }
                name = name.substring(l + 1, name.length() - 1);
            }
            into.add(name);
        }
    }
}
