package io.weightcast.core.safetensors;

import static io.weightcast.core.safetensors.SafeTensorsTest.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SafeTensorsReader#open}: the memory-mapped path gives what {@link SafeTensors#read(byte[])} gives, and files above 2 GiB. */
class SafeTensorsMappedTest {
    @TempDir
    Path dir;

    static byte[] mixed() {
        double[] ramp = new double[60];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (i - 30) / 7.0;
        }
        return new SafeTensorsWriter().metadata("run_id", "m").metadata("activation", "relu")
                .tensor("conv1.weight", DType.F32, new long[] {3, 2, 3, 3}, java.util.Arrays.copyOf(ramp, 54))
                .tensor("conv1.bias", DType.F32, new long[] {3}, new double[] {0.1, -0.2, 0.3})
                .tensor("dense.weight", DType.F16, new long[] {4, 3}, java.util.Arrays.copyOf(ramp, 12))
                .tensor("dense.bias", DType.BF16, new long[] {4}, new double[] {1, 2, 3, -4})
                .tensor("head.weight", DType.F64, new long[] {2, 4}, java.util.Arrays.copyOf(ramp, 8))
                .raw("fp8.weight", DType.F8_E4M3, new long[] {2, 2}, new byte[] {0x38, 0x40, (byte) 0xb8, 0x01})
                .raw("bn.num_batches_tracked", DType.I64, new long[] {}, new byte[] {7, 0, 0, 0, 0, 0, 0, 0})
                .tensor("empty", DType.F32, new long[] {0}, new double[0])
                .toBytes();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void mappedFileEqualsTheByteArrayPath() throws IOException {
        byte[] bytes = mixed();
        SafeTensors heap = SafeTensors.read(bytes);
        // a window of 64 bytes forces several mappings, as a file of many GiB has
        for (long window : new long[] {MappedData.WINDOW_BYTES, 64}) {
            SafeTensors mapped = SafeTensorsReader.open(write("m.safetensors", bytes), window);
            assertThat(mapped.metadata()).isEqualTo(heap.metadata());
            assertThat(mapped.tensors()).isEqualTo(heap.tensors());
            assertThat(mapped.tensorsByOffset()).isEqualTo(heap.tensorsByOffset());
            assertThat(mapped.dataBytes()).isEqualTo(heap.dataBytes());
            for (TensorInfo t : heap.tensors()) {
                assertThat(mapped.rawBytes(t)).as(t.name()).containsExactly(heap.rawBytes(t));
                assertThat(mapped.values(t)).as(t.name()).containsExactly(heap.values(t));
                assertThat(mapped.view(t)).isEqualTo(heap.view(t));
                if (t.dtype().isFloatingPoint() && t.dtype() != DType.F64) {
                    assertThat(mapped.floats(t)).isEqualTo(heap.floats(t));
                }
            }
            assertThat(mapped.view(heap.tensor("conv1.weight")).isDirect()).as("F32 is read in place from the mapping").isTrue();
            assertThat(mapped.floats(heap.tensor("conv1.weight")).isDirect()).isTrue();
        }
    }

    @Test
    void writeToStreamsTheSameBytesAsToBytes() throws IOException {
        SafeTensors source = SafeTensors.read(mixed());
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(source.metadata());
        for (TensorInfo t : source.tensorsByOffset()) {
            w.raw(t.name(), t.dtype(), t.shape(), source.view(t));
        }
        Path p = dir.resolve("streamed.safetensors");
        w.writeTo(p);
        assertThat(Files.readAllBytes(p)).isEqualTo(w.toBytes()).isEqualTo(mixed());
    }

    @Test
    void manyWindowsCutAtTensorBoundaries() throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (int i = 0; i < 10; i++) {
            float[] v = new float[16];
            java.util.Arrays.fill(v, i + 0.5f);
            w.tensor("l" + i + ".weight", new long[] {4, 4}, v);
        }
        byte[] bytes = w.toBytes();
        // 64-byte tensors: a 150-byte window holds two of them, so five windows, each tensor whole in one
        SafeTensors file = SafeTensorsReader.open(write("w.safetensors", bytes), 150);
        SafeTensors heap = SafeTensors.read(bytes);
        assertThat(file.tensorsByOffset()).hasSize(10);
        for (TensorInfo t : heap.tensors()) {
            assertThat(file.floats(t)).as(t.name()).isEqualTo(heap.floats(t));
        }
    }

    @Test
    void malformedFilesAreRefusedWithTheByteArrayPathsMessages() throws IOException {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        List<byte[]> inputs = List.of(new byte[0], new byte[3], java.util.Arrays.copyOf(file(ok, 8), 20), file(ok, 4), file(ok, 12),
                file("{\"w\":", 0), file("[1, 2]  ", 0), file(ok + " {\"evil\":1}", 8),
                file("{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), hugeHeaderLength());
        for (byte[] input : inputs) { // SafeTensorsTest's cases
            String expected = null;
            try {
                SafeTensors.read(input);
            } catch (SafeTensorsFormatException e) {
                expected = e.getMessage();
            }
            assertThat(expected).isNotNull();
            Path p = write("bad.safetensors", input);
            assertThatThrownBy(() -> SafeTensors.open(p)).isInstanceOf(SafeTensorsFormatException.class).hasMessage(expected);
        }
    }

    private static byte[] hugeHeaderLength() {
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        return huge;
    }

    /** A file of {@code dataLen} data bytes that takes no disk (sparse: zeros), with {@code tail} as its last bytes. */
    private Path sparse(String header, long dataLen, byte[] tail) throws IOException {
        Path p = dir.resolve("sparse.safetensors");
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + dataLen);
            f.seek(8 + h.length + dataLen - tail.length);
            f.write(tail);
        }
        return p;
    }

    @Test
    void aFileAbove2GiBIsReadTensorByTensor() throws IOException {
        long gib = 1L << 30;
        long elements = gib / 4;
        String header = "{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[" + elements + "],\"data_offsets\":[0," + gib + "]},"
                + "\"b.weight\":{\"dtype\":\"F32\",\"shape\":[" + elements + "],\"data_offsets\":[" + gib + "," + 2 * gib + "]},"
                + "\"c.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[" + 2 * gib + "," + (2 * gib + 8) + "]}}";
        byte[] tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-3f).array();
        Path p = sparse(header, 2 * gib + 8, tail);
        assertThat(Files.size(p)).isGreaterThan(2 * gib);
        SafeTensors file = SafeTensors.open(p);
        assertThat(file.dataBytes()).isEqualTo(2 * gib + 8);
        assertThat(file.values("c.weight")).containsExactly(1.5, -3.0);
        FloatBuffer b = file.floats(file.tensor("b.weight"));
        assertThat(b.limit()).isEqualTo((int) elements);
        assertThat(b.get((int) elements - 1)).isZero();
        assertThat(file.tensorsByOffset()).extracting(TensorInfo::name).containsExactly("a.weight", "b.weight", "c.weight");
    }

    @Test
    void oneTensorAbove2GiBIsRefusedClearly() throws IOException {
        long bytes = 1L << 31;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + bytes + "],\"data_offsets\":[0," + bytes + "]}}";
        Path p = sparse(header, bytes, new byte[1]);
        assertThatThrownBy(() -> SafeTensors.open(p)).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining("tensor 'big' has 2147483648 bytes; one tensor can have at most 2147483639");
    }
}
