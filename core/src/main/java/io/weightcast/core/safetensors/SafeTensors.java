package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed safetensors file: its {@code __metadata__}, its tensors in header order, and a read-only
 * view of the data section. Element values are decoded on demand, so a large file costs one copy.
 */
public final class SafeTensors {
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final ByteBuffer data;

    SafeTensors(Map<String, String> metadata, Map<String, TensorInfo> tensors, ByteBuffer data) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static SafeTensors read(byte[] bytes) {
        return SafeTensorsReader.read(bytes);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Optional<String> meta(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** Tensors in the order of the header. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** Tensors in the order of their bytes, which is the writer's (state_dict) order for our clients. */
    public List<TensorInfo> tensorsByOffset() {
        List<TensorInfo> list = new ArrayList<>(tensors.values());
        list.sort(Comparator.comparingLong(TensorInfo::begin));
        return list;
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return t;
    }

    public int size() {
        return tensors.size();
    }

    /** All elements of a tensor as doubles (row-major). */
    public double[] values(TensorInfo t) {
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + t.name() + " has " + count + " elements, too many for one array");
        }
        double[] out = new double[(int) count];
        int width = t.dtype().bytes();
        int base = (int) t.begin();
        for (int i = 0; i < out.length; i++) {
            out[i] = t.dtype().read(data, base + i * width);
        }
        return out;
    }

    /**
     * The elements of a F32, F16 or BF16 tensor as one float view (row-major, index 0 first): F32 is
     * read in place from the data section (no copy); F16 and BF16 are widened once into a new array.
     */
    public FloatBuffer floats(TensorInfo t) {
        int count = elements(t);
        switch (t.dtype()) {
            case F32:
                return bytes(t).asFloatBuffer();
            case F16: {
                float[] out = new float[count];
                ByteBuffer b = bytes(t);
                for (int i = 0; i < count; i++) {
                    out[i] = HalfFloat.toFloat(b.getShort(2 * i));
                }
                return FloatBuffer.wrap(out);
            }
            case BF16: {
                float[] out = new float[count];
                ByteBuffer b = bytes(t);
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
                return FloatBuffer.wrap(out);
            }
            default:
                throw new IllegalArgumentException("tensor " + t.name() + " is " + t.dtype() + ", not F32, F16 or BF16");
        }
    }

    /** The elements of a F64 tensor, read in place from the data section (no copy). */
    public DoubleBuffer doubles(TensorInfo t) {
        if (t.dtype() != DType.F64) {
            throw new IllegalArgumentException("tensor " + t.name() + " is " + t.dtype() + ", not F64");
        }
        elements(t);
        return bytes(t).asDoubleBuffer();
    }

    private static int elements(TensorInfo t) {
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + t.name() + " has " + count + " elements, too many for one array");
        }
        return (int) count;
    }

    /** The tensor's bytes as a little-endian buffer of their own (position 0), sharing the data section. */
    private ByteBuffer bytes(TensorInfo t) {
        return data.duplicate().position((int) t.begin()).limit((int) t.end()).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public double[] values(String name) {
        return values(tensor(name));
    }

    /** A read-only view of one tensor's raw little-endian bytes (no copy; shares the file's array). */
    public ByteBuffer view(TensorInfo t) {
        return bytes(t).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The raw little-endian bytes of one tensor. */
    public byte[] rawBytes(TensorInfo t) {
        byte[] out = new byte[(int) (t.end() - t.begin())];
        data.get((int) t.begin(), out);
        return out;
    }

    /** Data-section size in bytes. */
    public long dataBytes() {
        return data.capacity();
    }

    public static Map<String, String> orderedMetadata() {
        return new LinkedHashMap<>();
    }
}
