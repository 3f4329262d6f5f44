package io.weightcast.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed safetensors checkpoint: its {@code __metadata__}, its tensors in header order, and read-only
 * views of their bytes, wherever they live ({@link TensorData}: one array, a memory-mapped file, or the shards
 * of a sharded checkpoint). Element values are decoded on demand, one tensor at a time.
 */
public final class SafeTensors {
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final List<TensorInfo> byOffset;
    private final TensorData data;

    SafeTensors(Map<String, String> metadata, Map<String, TensorInfo> tensors, List<TensorInfo> byOffset, TensorData data) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.byOffset = List.copyOf(byOffset);
        this.data = data;
    }

    /** A whole file in memory (a Kafka record). */
    public static SafeTensors read(byte[] bytes) {
        return SafeTensorsReader.read(bytes);
    }

    /**
     * A checkpoint on disk, memory-mapped rather than read ({@link SafeTensorsReader#open}); a Hugging Face
     * {@code *.index.json} opens its shards as one checkpoint ({@link ShardedCheckpoint}).
     */
    public static SafeTensors open(Path path) throws IOException {
        return ShardedCheckpoint.isIndex(path) ? ShardedCheckpoint.open(path) : SafeTensorsReader.open(path);
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

    /**
     * Tensors in the order of their bytes, which is the writer's (state_dict) order for our clients; of a sharded
     * checkpoint, shard after shard.
     */
    public List<TensorInfo> tensorsByOffset() {
        return byOffset;
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return t;
    }

    /** The tensor of that name, or null. */
    TensorInfo find(String name) {
        return tensors.get(name);
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
        ByteBuffer b = bytes(t);
        for (int i = 0; i < out.length; i++) {
            out[i] = t.dtype().read(b, i * width);
        }
        return out;
    }

    /**
     * The elements of a F32, F16, BF16 or FP8 tensor as one float view (row-major, index 0 first): F32 is
     * read in place from the data section (no copy); the others are widened once into a new array (exactly: every
     * F16, BF16 and FP8 value is a float).
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
            case F8_E4M3:
            case F8_E5M2: {
                float[] table = Float8.table(t.dtype());
                float[] out = new float[count];
                ByteBuffer b = bytes(t);
                for (int i = 0; i < count; i++) {
                    out[i] = table[b.get(i) & 0xff];
                }
                return FloatBuffer.wrap(out);
            }
            default:
                throw new IllegalArgumentException("tensor " + t.name() + " is " + t.dtype() + ", not F32, F16, BF16 or FP8");
        }
    }

    /**
     * The elements of a F32, F16, BF16 or FP8 tensor as a {@link FloatView}: read in place from the data section, the
     * narrow types widened block by block as they are read, so no copy of the tensor is made (unlike {@link #floats}).
     * A new view per call (a view is not thread-safe).
     */
    public FloatView floatView(TensorInfo t) {
        elements(t);
        return switch (t.dtype()) {
            case F32 -> FloatView.of(bytes(t).asFloatBuffer());
            case F16 -> FloatView.f16(bytes(t));
            case BF16 -> FloatView.bf16(bytes(t));
            case F8_E4M3, F8_E5M2 -> FloatView.fp8(bytes(t), Float8.table(t.dtype()));
            default -> throw new IllegalArgumentException("tensor " + t.name() + " is " + t.dtype() + ", not F32, F16, BF16 or FP8");
        };
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
    ByteBuffer bytes(TensorInfo t) {
        return data.bytes(t);
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
        ByteBuffer b = bytes(t);
        byte[] out = new byte[b.remaining()];
        b.get(0, out);
        return out;
    }

    /** Data-section size in bytes. */
    public long dataBytes() {
        return data.size();
    }

    public static Map<String, String> orderedMetadata() {
        return new LinkedHashMap<>();
    }
}
