package io.github.jimengstudio.tensor;

import java.util.Locale;

/** The on-disk element types the engine accepts in safetensors files. Anything else is refused by name. */
public enum DType {
    F32(4),
    F16(2),
    BF16(2),
    I64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** True for the floating types a weight may be stored in. */
    public boolean isFloating() {
        return this != I64;
    }

    /**
     * Parses a safetensors dtype tag.
     *
     * @throws IllegalArgumentException naming the tag when it is not one we accept
     */
    public static DType fromSafetensors(String tag) {
        if (tag == null) {
            throw new IllegalArgumentException("no dtype given");
        }
        try {
            return DType.valueOf(tag.toUpperCase(Locale.ROOT).equals(tag) ? tag : "?");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported dtype '" + tag
                    + "' (Jimeng Studio reads F32, F16, BF16 and I64 tensors)");
        }
    }
}
