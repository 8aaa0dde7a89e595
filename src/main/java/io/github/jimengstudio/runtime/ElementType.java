package io.github.jimengstudio.runtime;

import ai.djl.ndarray.types.DataType;

/**
 * The element types a {@link Tensor} can hold. The facade tracks this itself because DJL cannot: it reports a
 * bfloat16 tensor as {@code UNKNOWN}, and handing {@link DataType#BFLOAT16} (or INT16/UINT*) to DJL's PyTorch
 * binding kills the JVM. {@link #djl()} is therefore the single place that translates to DJL, and it refuses
 * the one type DJL cannot take.
 */
public enum ElementType {
    FLOAT32(DataType.FLOAT32, 6, 4),
    FLOAT16(DataType.FLOAT16, 5, 2),
    /** Stored only through the TorchScript helper; DJL never sees this type by name. */
    BFLOAT16(null, 15, 2),
    INT64(DataType.INT64, 4, 8),
    INT32(DataType.INT32, 3, 4),
    BOOLEAN(DataType.BOOLEAN, 11, 1);

    private final DataType djl;
    private final int torchCode;
    private final int byteSize;

    ElementType(DataType djl, int torchCode, int byteSize) {
        this.djl = djl;
        this.torchCode = torchCode;
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16;
    }

    /** True when DJL's Java API can be told about this type without aborting the JVM. */
    boolean isDjlMapped() {
        return djl != null;
    }

    /** The DJL type; throws for bfloat16 so an unmapped type can never reach native code. */
    DataType djl() {
        if (djl == null) {
            throw new IllegalStateException(this + " has no DJL data type; it must go through the op helper");
        }
        return djl;
    }

    /** torch's ScalarType number, as the TorchScript helper takes it. */
    int torchCode() {
        return torchCode;
    }

    /**
     * Our type for a tensor DJL just produced. DJL reports bfloat16 as UNKNOWN; the facade creates no other
     * unmapped type (every bf16 tensor comes from the helper), so UNKNOWN means BFLOAT16 here.
     */
    static ElementType fromDjl(DataType type) {
        switch (type) {
            case FLOAT32: return FLOAT32;
            case FLOAT16: return FLOAT16;
            case INT64: return INT64;
            case INT32: return INT32;
            case BOOLEAN: return BOOLEAN;
            case UNKNOWN: return BFLOAT16;
            default:
                throw new IllegalStateException("libtorch produced a " + type + " tensor, which the facade does not"
                        + " handle (only float32, float16, bfloat16, int64, int32 and boolean)");
        }
    }
}
