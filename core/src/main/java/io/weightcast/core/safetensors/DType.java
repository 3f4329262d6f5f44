package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;

/**
 * Tensor element types of the safetensors format (its dtype strings). Floating-point tensors are weights and get
 * analysed; integer and bool tensors (counters, masks, token ids) are read but skipped by the analysis.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
    I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16 || this == F8_E4M3 || this == F8_E5M2;
    }

    /** Reads element {@code index} (little-endian buffer) as a double. */
    double read(ByteBuffer buf, int offset) {
        return switch (this) {
            case F64 -> buf.getDouble(offset);
            case F32 -> buf.getFloat(offset);
            case F16 -> HalfFloat.toFloat(buf.getShort(offset));
            case BF16 -> Float.intBitsToFloat((buf.getShort(offset) & 0xffff) << 16);
            case F8_E4M3, F8_E5M2 -> Float8.table(this)[buf.get(offset) & 0xff];
            case I64 -> buf.getLong(offset);
            case I32 -> buf.getInt(offset);
            case I16 -> buf.getShort(offset);
            case I8 -> buf.get(offset);
            case U64 -> unsigned(buf.getLong(offset));
            case U32 -> buf.getInt(offset) & 0xffffffffL;
            case U16 -> buf.getShort(offset) & 0xffff;
            case U8 -> buf.get(offset) & 0xff;
            case BOOL -> buf.get(offset) != 0 ? 1 : 0;
        };
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }

    static DType parse(String name) {
        try {
            return DType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException("unsupported dtype '" + name + "'");
        }
    }
}
