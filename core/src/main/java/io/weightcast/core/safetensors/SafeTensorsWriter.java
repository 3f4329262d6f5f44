package io.weightcast.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a safetensors file; tensors are laid out in the order they are added. */
public final class SafeTensorsWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A tensor's bytes: an array of its own or a view into another file's data section (copied once, by {@link #toBytes}). */
    private record Entry(String name, DType dtype, long[] shape, ByteBuffer bytes) {
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
        return raw(name, dtype, shape, ByteBuffer.wrap(bytes));
    }

    /**
     * Adds a tensor from a view of its raw little-endian bytes (its remaining bytes, e.g. {@link SafeTensors#view}); the view
     * is not copied until {@link #toBytes}, so re-framing a large file costs the output array only.
     */
    public SafeTensorsWriter raw(String name, DType dtype, long[] shape, ByteBuffer bytes) {
        entries.add(new Entry(name, dtype, shape.clone(), bytes.slice()));
        return this;
    }

    /** The size {@link #toBytes} will have, without building the file. */
    public long size() {
        return 8L + header().length + dataBytes();
    }

    private long dataBytes() {
        long n = 0;
        for (Entry e : entries) {
            n += e.bytes.remaining();
        }
        return n;
    }

    /** The file in one array of exactly its size (each tensor's bytes copied once). */
    public byte[] toBytes() {
        byte[] header = header();
        long size = 8L + header.length + dataBytes();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a safetensors file of " + size + " bytes does not fit one array");
        }
        byte[] out = new byte[(int) size];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
        System.arraycopy(header, 0, out, 8, header.length);
        int pos = 8 + header.length;
        for (Entry e : entries) {
            int n = e.bytes.remaining();
            e.bytes.get(e.bytes.position(), out, pos, n);
            pos += n;
        }
        return out;
    }

    /**
     * Writes the file to {@code file} (replacing it) tensor by tensor, without building it in one array: the way to write
     * a file above 2 GiB, or one whose tensors are views of mapped files.
     */
    public void writeTo(Path file) throws IOException {
        byte[] header = header();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            write(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            write(out, ByteBuffer.wrap(header));
            for (Entry e : entries) {
                write(out, e.bytes.duplicate());
            }
        }
    }

    private static void write(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** The JSON header, padded with spaces so the data section is 8-byte aligned (as the reference writer does). */
    private byte[] header() {
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
            offset += e.bytes.remaining();
            offsets.add(offset);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
