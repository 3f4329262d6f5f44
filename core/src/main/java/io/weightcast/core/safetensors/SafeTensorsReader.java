package io.weightcast.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of
 * JSON header, then the data section. Every structural rule of the format is checked so that a bad
 * record fails here with a precise reason instead of producing garbage features downstream.
 */
public final class SafeTensorsReader {
    /** Same bound as the reference implementation (100 MB of header). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Duplicate keys and anything after the header object (but its space padding) are errors, as in other readers. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafeTensorsReader() {
    }

    public static SafeTensors read(byte[] bytes) {
        if (bytes == null) {
            throw new SafeTensorsFormatException("no data");
        }
        long headerLen = headerLength(bytes.length, bytes.length < 8 ? 0 : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        int dataStart = (int) (8 + headerLen);
        Header header = parse(bytes, 8, (int) headerLen, bytes.length - dataStart);
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, bytes.length - dataStart).slice();
        return new SafeTensors(header.metadata, header.tensors, header.byOffset, TensorData.of(data));
    }

    /**
     * Opens a safetensors file without reading its data: the header with one small read, the data section
     * memory-mapped ({@link MappedData}), so files above 2 GiB work and the heap holds none of the weights. The same
     * checks as {@link #read(byte[])}, with the same messages; one tensor above 2 GiB - 8 bytes is refused.
     */
    public static SafeTensors open(Path path) throws IOException {
        return open(path, MappedData.WINDOW_BYTES);
    }

    static SafeTensors open(Path path, long windowBytes) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(8, size)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0);
            long headerLen = headerLength(size, size < 8 ? 0 : prefix.getLong(0));
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLen);
            readFully(channel, headerBytes, 8);
            long dataLen = size - 8 - headerLen;
            Header header = parse(headerBytes.array(), 0, (int) headerLen, dataLen);
            TensorData data = MappedData.map(channel, 8 + headerLen, dataLen, header.byOffset, windowBytes);
            return new SafeTensors(header.metadata, header.tensors, header.byOffset, data);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                throw new SafeTensorsFormatException("truncated: the file shrank while its header was read");
            }
        }
    }

    /** The declared header length, checked against the input's size (both paths, same messages). */
    private static long headerLength(long size, long declared) {
        if (size < 8) {
            throw new SafeTensorsFormatException("truncated: " + size + " bytes, need at least 8 for the header length");
        }
        if (declared < 2 || declared > MAX_HEADER_BYTES) {
            throw new SafeTensorsFormatException("header length " + declared + " outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (8 + declared > size) {
            throw new SafeTensorsFormatException("truncated: header length says " + declared + " bytes but only "
                    + (size - 8) + " follow");
        }
        return declared;
    }

    /** A parsed, validated header: metadata, tensors in header order and in byte order. */
    private record Header(Map<String, String> metadata, Map<String, TensorInfo> tensors, List<TensorInfo> byOffset) {
    }

    /** Parses and validates the JSON header at {@code bytes[offset, offset + length)} against a data section of {@code dataLen} bytes. */
    private static Header parse(byte[] bytes, int offset, int length, long dataLen) {
        String headerText = new String(bytes, offset, length, StandardCharsets.UTF_8);
        if (!headerText.startsWith("{")) {
            throw new SafeTensorsFormatException("header does not start with '{'");
        }
        JsonNode header;
        try {
            header = STRICT.readTree(headerText.strip());
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new SafeTensorsFormatException("header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readTensor(e.getKey(), e.getValue(), dataLen));
            }
        }
        checkCoverage(tensors, dataLen);
        // by begin alone (a stable sort: header order among empty tensors at one offset), as tensorsByOffset always was
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin));
        return new Header(metadata, tensors, byOffset);
    }

    private static void readMetadata(JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException("__metadata__ must be an object of strings");
        }
        node.fields().forEachRemaining(m -> {
            if (!m.getValue().isTextual()) {
                throw new SafeTensorsFormatException("__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().asText());
        });
    }

    private static TensorInfo readTensor(String name, JsonNode node, long dataLen) {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException("tensor '" + name + "': entry is not an object");
        }
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) {
            throw new SafeTensorsFormatException("tensor '" + name + "': missing dtype");
        }
        if (shape == null || !shape.isArray()) {
            throw new SafeTensorsFormatException("tensor '" + name + "': missing shape");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafeTensorsFormatException("tensor '" + name + "': data_offsets must be [begin, end]");
        }
        DType type;
        try {
            type = DType.parse(dtype.asText());
        } catch (SafeTensorsFormatException ex) {
            throw new SafeTensorsFormatException("tensor '" + name + "': " + ex.getMessage());
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafeTensorsFormatException("tensor '" + name + "': shape entry " + i + " is not a non-negative integer");
            }
            dims[i] = d.asLong();
        }
        long begin = offset(name, offsets.get(0));
        long end = offset(name, offsets.get(1));
        if (end < begin) {
            throw new SafeTensorsFormatException("tensor '" + name + "': data_offsets end " + end + " < begin " + begin);
        }
        if (end > dataLen) {
            throw new SafeTensorsFormatException("truncated: tensor '" + name + "' ends at byte " + end
                    + " but the data section has " + dataLen);
        }
        TensorInfo info = new TensorInfo(name, type, dims, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.elementCount(), type.bytes());
        } catch (ArithmeticException ex) {
            throw new SafeTensorsFormatException("tensor '" + name + "': shape overflows");
        }
        if (end - begin != expected) {
            throw new SafeTensorsFormatException("tensor '" + name + "': " + (end - begin) + " bytes for shape "
                    + java.util.Arrays.toString(dims) + " of " + type + " (needs " + expected + ")");
        }
        return info;
    }

    private static long offset(String name, JsonNode n) {
        // canConvertToLong: an offset above 2^63 must not wrap around into the data (found by fuzzing)
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new SafeTensorsFormatException("tensor '" + name + "': data_offsets must be non-negative integers");
        }
        return n.asLong();
    }

    /** The tensors must tile the data section exactly: no gap, no overlap, nothing trailing. */
    private static void checkCoverage(Map<String, TensorInfo> tensors, long dataLen) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long pos = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() != pos) {
                throw new SafeTensorsFormatException("tensor '" + t.name() + "' starts at byte " + t.begin()
                        + (t.begin() < pos ? ", overlapping the previous tensor" : ", leaving a gap after byte " + pos));
            }
            pos = t.end();
        }
        if (pos != dataLen) {
            throw new SafeTensorsFormatException((dataLen - pos) + " trailing bytes after the last tensor");
        }
    }
}
