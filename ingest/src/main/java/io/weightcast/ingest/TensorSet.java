package io.weightcast.ingest;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.HalfFloat;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors with shapes, in insertion (state_dict) order, PyTorch layout (output units on the
 * first axis). Values are encoded to little-endian bytes when added, so the caller may reuse its
 * arrays right away (a training loop's weights keep changing).
 */
public final class TensorSet {
    public record Tensor(String name, DType dtype, long[] shape, byte[] bytes) {
    }

    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public static TensorSet create() {
        return new TensorSet();
    }

    /** From a map of float arrays and a map of their shapes (iteration order of {@code values} is kept). */
    public static TensorSet of(Map<String, float[]> values, Map<String, long[]> shapes) {
        TensorSet set = new TensorSet();
        values.forEach((name, v) -> {
            long[] shape = shapes.get(name);
            if (shape == null) {
                throw new IllegalArgumentException("no shape for tensor '" + name + "'");
            }
            set.add(name, shape, v);
        });
        return set;
    }

    /** An F32 tensor. */
    public TensorSet add(String name, long[] shape, float[] values) {
        checkShape(name, shape, values.length);
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return put(name, DType.F32, shape, buf.array());
    }

    /** A tensor stored as {@code dtype} (F64, F32, F16 or BF16). */
    public TensorSet add(String name, DType dtype, long[] shape, double[] values) {
        if (!dtype.isFloatingPoint() || dtype.bytes() == 1) {
            throw new IllegalArgumentException("tensor '" + name + "': only F64, F32, F16 or BF16, not " + dtype);
        }
        checkShape(name, shape, values.length);
        ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            switch (dtype) {
                case F64 -> buf.putDouble(v);
                case F32 -> buf.putFloat((float) v);
                case F16 -> buf.putShort(HalfFloat.fromFloat((float) v));
                default -> buf.putShort(HalfFloat.toBFloat16((float) v));
            }
        }
        return put(name, dtype, shape, buf.array());
    }

    public List<Tensor> tensors() {
        return Collections.unmodifiableList(tensors);
    }

    public boolean isEmpty() {
        return tensors.isEmpty();
    }

    public byte[] toSafeTensors(Map<String, String> metadata) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(metadata);
        for (Tensor t : tensors) {
            w.raw(t.name(), t.dtype(), t.shape(), t.bytes());
        }
        return w.toBytes();
    }

    private TensorSet put(String name, DType dtype, long[] shape, byte[] bytes) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        tensors.add(new Tensor(name, dtype, shape.clone(), bytes));
        return this;
    }

    private static void checkShape(String name, long[] shape, int valueCount) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape");
            }
            count *= d;
        }
        if (count != valueCount) {
            throw new IllegalArgumentException("tensor '" + name + "': " + valueCount + " values for " + count + " elements");
        }
    }
}
