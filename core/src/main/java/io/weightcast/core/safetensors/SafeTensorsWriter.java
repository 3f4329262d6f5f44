package io.weightcast.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a safetensors file; tensors are laid out in the order they are added. */
public final class SafeTensorsWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Entry(String name, DType dtype, long[] shape, byte[] bytes) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafeTensorsWriter metadata(Map<String, String> values) {
        metadata.putAll(values);
        return this;
    }

    /** Adds a tensor whose values are encoded as {@code dtype} (F64, F32, F16 or BF16). */
    public SafeTensorsWriter tensor(String name, DType dtype, long[] shape, double[] values) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": " + values.length + " values for " + count + " elements");
        }
        ByteBuffer buf = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            switch (dtype) {
                case F64 -> buf.putDouble(v);
                case F32 -> buf.putFloat((float) v);
                case F16 -> buf.putShort(HalfFloat.fromFloat((float) v));
                case BF16 -> buf.putShort(HalfFloat.toBFloat16((float) v));
                default -> throw new IllegalArgumentException("writer supports floating-point dtypes only, not " + dtype);
            }
        }
        return raw(name, dtype, shape, buf.array());
    }

    public SafeTensorsWriter tensor(String name, long[] shape, float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return tensor(name, DType.F32, shape, d);
    }

    /** Adds a tensor from its raw little-endian bytes. */
    public SafeTensorsWriter raw(String name, DType dtype, long[] shape, byte[] bytes) {
        entries.add(new Entry(name, dtype, shape.clone(), bytes));
        return this;
    }

    public byte[] toBytes() {
        ObjectNode header = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            ArrayNode offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offset += e.bytes.length;
            offsets.add(offset);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // align the data section to 8 bytes, as the reference writer does
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 + padded + (int) offset);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.writeBytes(len.array());
        out.writeBytes(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        for (Entry e : entries) {
            out.writeBytes(e.bytes);
        }
        return out.toByteArray();
    }
}
