package io.weightcast.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.features.CheckpointFeatures;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** FP8 decoding against values computed by hand from the bit layouts (sign.exponent.mantissa). */
class Float8Test {

    private static float e4m3(int bits) {
        return Float8.e4m3((byte) bits);
    }

    private static float e5m2(int bits) {
        return Float8.e5m2((byte) bits);
    }

    @Test
    void e4m3MatchesHandComputedValues() {
        assertThat(e4m3(0b0_0000_000)).isEqualTo(0f);
        assertThat(Float.floatToRawIntBits(e4m3(0b1_0000_000))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(e4m3(0b0_0111_000)).isEqualTo(1f); // 2^(7-7)
        assertThat(e4m3(0b1_0111_100)).isEqualTo(-1.5f);
        assertThat(e4m3(0b0_1000_010)).isEqualTo(2.5f); // 1.25 * 2
        assertThat(e4m3(0b0_0001_000)).isEqualTo(0x1p-6f); // smallest normal
        assertThat(e4m3(0b0_0000_001)).isEqualTo(0x1p-9f); // smallest subnormal: 1/8 * 2^-6
        assertThat(e4m3(0b0_0000_111)).isEqualTo(7 * 0x1p-9f); // largest subnormal 0.875 * 2^-6
        assertThat(e4m3(0b0_1111_110)).isEqualTo(448f); // max normal: 1.75 * 2^8
        assertThat(e4m3(0b1_1111_110)).isEqualTo(-448f);
        assertThat(e4m3(0b0_1111_000)).isEqualTo(256f); // exponent 15 is a normal exponent: no infinities
        assertThat(e4m3(0b0_1111_111)).isNaN();
        assertThat(e4m3(0b1_1111_111)).isNaN();
        int nans = 0;
        for (int b = 0; b < 256; b++) {
            nans += Float.isNaN(e4m3(b)) ? 1 : 0;
            assertThat(Float.isInfinite(e4m3(b))).isFalse();
        }
        assertThat(nans).isEqualTo(2);
    }

    @Test
    void e5m2MatchesHandComputedValues() {
        assertThat(e5m2(0b0_00000_00)).isEqualTo(0f);
        assertThat(e5m2(0b0_01111_00)).isEqualTo(1f); // 2^(15-15)
        assertThat(e5m2(0b1_10000_01)).isEqualTo(-2.5f); // -1.25 * 2
        assertThat(e5m2(0b0_00001_00)).isEqualTo(0x1p-14f); // smallest normal
        assertThat(e5m2(0b0_00000_01)).isEqualTo(0x1p-16f); // smallest subnormal: 1/4 * 2^-14
        assertThat(e5m2(0b0_00000_11)).isEqualTo(0.75f * 0x1p-14f); // largest subnormal
        assertThat(e5m2(0b0_11110_11)).isEqualTo(57344f); // max normal: 1.75 * 2^15
        assertThat(e5m2(0b0_11111_00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(e5m2(0b1_11111_00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(e5m2(0b0_11111_01)).isNaN();
        assertThat(e5m2(0b1_11111_11)).isNaN();
    }

    @Test
    void e5m2IsTheTopByteOfF16() {
        // E5M2 has F16's exponent: its byte b is the binary16 value b << 8, exactly
        for (int b = 0; b < 256; b++) {
            float half = HalfFloat.toFloat((short) (b << 8));
            assertThat(Float.floatToRawIntBits(e5m2(b)) == Float.floatToRawIntBits(half) || Float.isNaN(half) && Float.isNaN(e5m2(b)))
                    .as("byte %d", b).isTrue();
        }
    }

    /** An FP8 layer is analysed like the same values stored as F32 (FP8 widens exactly). */
    @Test
    void fp8LayersGetTheFeaturesOfTheirExactF32Values() {
        byte[] bits = new byte[6 * 4];
        double[] values = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) (i * 37 + 5);
            values[i] = e4m3(bits[i]);
        }
        bits[7] = 0x7f; // NaN: counted as non-finite, as an F32 NaN is
        values[7] = Double.NaN;
        SafeTensors fp8 = SafeTensors.read(new SafeTensorsWriter().raw("fc.weight", DType.F8_E4M3, new long[] {6, 4}, bits).toBytes());
        SafeTensors f32 = SafeTensors.read(new SafeTensorsWriter().tensor("fc.weight", DType.F32, new long[] {6, 4}, values).toBytes());
        CheckpointFeatures a = CheckpointAnalyzer.analyze(fp8, "relu");
        assertThat(a).isEqualTo(CheckpointAnalyzer.analyze(f32, "relu"));
        assertThat(a.nonfiniteValues()).isEqualTo(1);
        assertThat(a.layers()).hasSize(1);
    }

    @Test
    void fp8TensorsReadAsFloatsAndDoubles() {
        byte[] bits = {0b0_0111_000, (byte) 0b1_1111_110, 0b0_0000_001, 0b0_1111_111};
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .raw("a.weight", DType.F8_E4M3, new long[] {2, 2}, bits)
                .raw("b.weight", DType.F8_E5M2, new long[] {2, 2}, bits).toBytes());
        FloatBuffer a = file.floats(file.tensor("a.weight"));
        assertThat(new float[] {a.get(0), a.get(1), a.get(2)}).containsExactly(1f, -448f, 0x1p-9f);
        assertThat(a.get(3)).isNaN();
        assertThat(file.values("b.weight")).containsExactly(e5m2(bits[0]), e5m2(bits[1]), e5m2(bits[2]), Double.NaN);
        assertThat(file.tensor("a.weight").dtype().isFloatingPoint()).isTrue();
    }
}
