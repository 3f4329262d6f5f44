package io.weightcast.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafeTensorsTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void roundTripsEveryFloatingDtype(DType dtype) {
        double[] values = {0.0, 1.0, -2.5, 0.125, 65504.0 / 4, -0.0009765625};
        byte[] bytes = new SafeTensorsWriter()
                .metadata("run_id", "r1").metadata("step", "3")
                .tensor("conv1.weight", dtype, new long[] {2, 3}, values)
                .tensor("conv1.bias", dtype, new long[] {2}, new double[] {0.5, -0.5})
                .toBytes();
        SafeTensors file = SafeTensors.read(bytes);
        assertThat(file.metadata()).containsEntry("run_id", "r1").containsEntry("step", "3");
        assertThat(file.tensor("conv1.weight").dtype()).isEqualTo(dtype);
        assertThat(file.tensor("conv1.weight").shape()).containsExactly(2, 3);
        double[] back = file.values("conv1.weight");
        for (int i = 0; i < values.length; i++) {
            assertThat(back[i]).isCloseTo(values[i], org.assertj.core.api.Assertions.within(Math.abs(values[i]) * 1e-2));
        }
        assertThat(file.tensorsByOffset()).extracting(TensorInfo::name).containsExactly("conv1.weight", "conv1.bias");
    }

    @Test
    void halfFloatConversionIsExactOnRepresentableValues() {
        for (float f : new float[] {0f, 1f, -2f, 0.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, Float.POSITIVE_INFINITY}) {
            assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(f))).isEqualTo(f);
        }
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(Float.NaN))).isNaN();
    }

    @Test
    void headerIsAlignedToEightBytes() {
        byte[] bytes = new SafeTensorsWriter().tensor("w", new long[] {1, 1}, new float[] {1f}).toBytes();
        long len = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(len % 8).isZero();
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void rejectsEveryMalformedInputClassWithAPreciseReason() {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {new byte[3], "truncated: 3 bytes"});
        cases.add(new Object[] {Arrays.copyOf(file(ok, 8), 20), "truncated: header length says"});
        cases.add(new Object[] {file(ok, 4), "truncated: tensor 'w' ends at byte 8"});
        cases.add(new Object[] {file(ok, 12), "4 trailing bytes"});
        cases.add(new Object[] {file("{\"w\":", 0), "header is not valid JSON"});
        cases.add(new Object[] {file("[1, 2]  ", 0), "header does not start with '{'"});
        // found by `weightcast safety`: the reader took `{...} {"evil":1}` for `{...}`
        cases.add(new Object[] {file(ok + " {\"evil\":1}", 8), "header is not valid JSON"});
        cases.add(new Object[] {file(ok + "x", 8), "header is not valid JSON"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unsupported dtype 'Q7'"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "not a non-negative integer"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "end 0 < begin 8"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "data_offsets must be [begin, end]"});
        cases.add(new Object[] {file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlapping"});
        cases.add(new Object[] {file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "leaving a gap"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "Duplicate field 'w'"});
        cases.add(new Object[] {file("{\"__metadata__\":{\"step\":3}}", 0), "__metadata__ value of 'step' is not a string"});
        cases.add(new Object[] {file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551616,18446744073709551620]}}", 4),
                "data_offsets must be non-negative integers"});
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        cases.add(new Object[] {huge, "outside [2, "});
        for (Object[] c : cases) {
            assertThatThrownBy(() -> SafeTensors.read((byte[]) c[0]))
                    .as("expected reason %s", c[1])
                    .isInstanceOf(SafeTensorsFormatException.class)
                    .hasMessageContaining((String) c[1]);
        }
    }

    @Test
    void splitsLargeCheckpointsIntoValidPartsAndMergesThemBack() {
        double[] big = new double[40_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.001;
        }
        byte[] original = new SafeTensorsWriter().metadata("run_id", "r").metadata("step", "1")
                .tensor("a.weight", DType.F32, new long[] {200, 200}, big)
                .tensor("a.bias", DType.F32, new long[] {200}, Arrays.copyOf(big, 200))
                .tensor("b.weight", DType.F32, new long[] {10, 20}, Arrays.copyOf(big, 200))
                .toBytes();
        List<byte[]> parts = CheckpointParts.split(original, 50_000);
        assertThat(parts.size()).isGreaterThan(3);
        List<SafeTensors> parsed = new ArrayList<>();
        for (byte[] p : parts) {
            assertThat(p.length).isLessThanOrEqualTo(50_000);
            SafeTensors s = SafeTensors.read(p);
            assertThat(s.metadata()).containsEntry("parts", Integer.toString(parts.size())).containsEntry("run_id", "r");
            parsed.add(s);
        }
        java.util.Collections.reverse(parsed);
        SafeTensors merged = CheckpointParts.merge(parsed);
        SafeTensors expected = SafeTensors.read(original);
        assertThat(merged.metadata()).isEqualTo(expected.metadata());
        assertThat(merged.tensorsByOffset()).extracting(TensorInfo::name).containsExactly("a.weight", "a.bias", "b.weight");
        for (TensorInfo t : expected.tensors()) {
            assertThat(merged.tensor(t.name()).shape()).isEqualTo(t.shape());
            assertThat(merged.values(t.name())).containsExactly(expected.values(t.name()));
        }
    }
}
