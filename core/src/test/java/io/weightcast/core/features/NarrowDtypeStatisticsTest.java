package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.FloatView;
import io.weightcast.core.safetensors.HalfFloat;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * F16, BF16 and FP8 statistics read through the widening {@link FloatView} (no copy of the tensor) against the path
 * before it (the whole tensor widened into one {@code float[]}, {@link SafeTensors#floats}) and against numpy's
 * definitions on the decoded doubles: every number the same double, bit for bit. Random raw bit patterns (so NaN, ±Inf,
 * -0.0, subnormals all occur) and Gaussian weights, sizes around 8, 128, 8192 and the 16-bit histogram's 32,768.
 */
class NarrowDtypeStatisticsTest {
    private static final int[] SIZES = {0, 1, 2, 7, 9, 127, 129, 1000, 8191, 8193, 16_385, 32_767, 32_768, 32_769,
        65_537, 100_003, 300_001};

    enum Values { GAUSSIAN, RAW_BITS, SIGNED_ZEROS_AND_TIES }

    private static byte[] bytes(DType dtype, int n, Values values, double nonfiniteShare, Random r) {
        int width = dtype.bytes();
        ByteBuffer b = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float x = switch (values) {
                case GAUSSIAN -> (float) (r.nextGaussian() * 0.02);
                case RAW_BITS -> Float.NaN; // replaced by raw bits below
                case SIGNED_ZEROS_AND_TIES -> r.nextInt(3) == 0 ? -0.0f : r.nextInt(5) - 2 + 0.5f * r.nextInt(2);
            };
            if (r.nextDouble() < nonfiniteShare) {
                x = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[r.nextInt(3)];
            }
            boolean raw = values == Values.RAW_BITS && Float.isNaN(x) && nonfiniteShare < 1;
            switch (dtype) {
                case BF16 -> b.putShort(raw ? (short) r.nextInt() : HalfFloat.toBFloat16(x));
                case F16 -> b.putShort(raw ? (short) r.nextInt() : HalfFloat.fromFloat(x));
                default -> b.put(raw ? (byte) r.nextInt() : fp8(dtype, x));
            }
        }
        return b.array();
    }

    /** The FP8 pattern of a value (the nearest by table search; exact for the values drawn here bar rounding). */
    private static byte fp8(DType dtype, float x) {
        int best = 0;
        double bestDiff = Double.POSITIVE_INFINITY;
        for (int bits = 0; bits < 256; bits++) {
            float v = dtype == DType.F8_E4M3 ? io.weightcast.core.safetensors.Float8.e4m3((byte) bits)
                    : io.weightcast.core.safetensors.Float8.e5m2((byte) bits);
            if (Float.compare(v, x) == 0) {
                return (byte) bits;
            }
            double d = Math.abs((double) v - x);
            if (d < bestDiff) {
                bestDiff = d;
                best = bits;
            }
        }
        return (byte) best;
    }

    private static void assertBitForBit(TensorSummary got, TensorSummary want, String where) {
        double[] g = {got.mean(), got.std(), got.p0(), got.p25(), got.p50(), got.p75(), got.p100(), got.l1(), got.l2()};
        double[] w = {want.mean(), want.std(), want.p0(), want.p25(), want.p50(), want.p75(), want.p100(), want.l1(), want.l2()};
        for (int i = 0; i < g.length; i++) {
            assertThat(Double.doubleToRawLongBits(g[i])).as("%s: number %d, %s vs %s", where, i, g[i], w[i])
                    .isEqualTo(Double.doubleToRawLongBits(w[i]));
        }
        assertThat(got.count()).as(where).isEqualTo(want.count());
        assertThat(got.nonfinite()).as(where).isEqualTo(want.nonfinite());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16", "F8_E4M3", "F8_E5M2"})
    void viewStatisticsEqualTheWidenedArrayAndNumpyBitForBit(DType dtype) {
        Random r = new Random(31L * dtype.ordinal() + 7);
        for (Values values : Values.values()) {
            for (int n : SIZES) {
                for (double share : new double[] {0, 0.001, 0.3, 1}) {
                    if (n > 100_003 && share > 0.001) {
                        continue;
                    }
                    SafeTensors file = SafeTensors.read(new SafeTensorsWriter().raw("w", dtype, new long[] {n},
                            bytes(dtype, n, values, share, r)).toBytes());
                    TensorInfo t = file.tensor("w");
                    String where = dtype + " " + values + " n=" + n + " nonfinite share " + share;
                    TensorValues view = TensorValues.of(file, t);
                    TensorSummary got = view.summary();
                    // the path before: the whole tensor widened into one float[]
                    assertBitForBit(got, TensorSummary.of(file.floats(t)), where + " (widened array)");
                    ReferenceTensorSummary numpy = ReferenceTensorSummary.numpyOrder(file.values(t));
                    assertBitForBit(got, new TensorSummary(numpy.mean(), numpy.std(), numpy.p0(), numpy.p25(), numpy.p50(),
                            numpy.p75(), numpy.p100(), numpy.l1(), numpy.l2(), numpy.count(), numpy.nonfinite()), where + " (numpy)");
                    assertThat(view.nonfinite()).as(where).isEqualTo(got.nonfinite());
                    if (share == 1 && n > 0 && dtype != DType.F8_E4M3) { // E4M3 has no infinities: ±Inf became ±448
                        assertThat(got.count()).isZero();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"})
    void viewElementsEqualTheWidenedArray(DType dtype) {
        Random r = new Random(dtype.ordinal());
        int n = 5_003;
        byte[] raw = dtype == DType.F32 ? randomBytes(4 * n, r) : bytes(dtype, n, Values.RAW_BITS, 0.01, r);
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter().raw("w", dtype, new long[] {n}, raw).toBytes());
        TensorInfo t = file.tensor("w");
        FloatBuffer widened = file.floats(t);
        FloatView view = file.floatView(t);
        assertThat(view.size()).isEqualTo(n);
        float[] bulk = new float[n + 3];
        view.get(0, bulk, 3, n);
        for (int i = 0; i < n; i++) {
            int want = Float.floatToRawIntBits(widened.get(i));
            assertThat(Float.floatToRawIntBits(view.get(i))).as("element %d", i).isEqualTo(want);
            assertThat(Float.floatToRawIntBits(bulk[i + 3])).as("bulk element %d", i).isEqualTo(want);
        }
        float[] part = new float[2_100];
        view.get(1_777, part, 0, part.length);
        assertThat(Float.floatToRawIntBits(part[2_099])).isEqualTo(Float.floatToRawIntBits(widened.get(1_777 + 2_099)));
    }

    private static byte[] randomBytes(int n, Random r) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** The finite elements in order, read forward, skipping, and read again from the start (FloatStatistics' two passes). */
    @Test
    void finiteViewYieldsTheFiniteElementsInOrderWithoutACopy() {
        Random r = new Random(3);
        int n = 10_000;
        float[] all = new float[n];
        int finite = 0;
        for (int i = 0; i < n; i++) {
            all[i] = r.nextInt(7) == 0 ? Float.NaN : r.nextInt(11) == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
            finite += Float.isFinite(all[i]) ? 1 : 0;
        }
        float[] want = new float[finite];
        for (int i = 0, k = 0; i < n; i++) {
            if (Float.isFinite(all[i])) {
                want[k++] = all[i];
            }
        }
        FiniteView view = new FiniteView(FloatView.of(all), finite);
        assertThat(view.size()).isEqualTo(finite);
        float[] got = new float[finite];
        for (int from = 0; from < finite; from += 128) {
            view.get(from, got, from, Math.min(128, finite - from));
        }
        assertThat(got).containsExactly(want);
        float[] some = new float[300];
        view.get(4_000, some, 0, 300); // forward with a skip
        assertThat(some[0]).isEqualTo(want[4_000]);
        assertThat(view.get(5)).isEqualTo(want[5]); // backwards: starts again
        assertThat(view.get(finite - 1)).isEqualTo(want[finite - 1]);
    }

    /** Layers spread over threads give the very features one thread gives (order, dead units, non-finite tensors). */
    @Test
    void layersInParallelGiveTheSameFeatures() {
        Random r = new Random(17);
        DType[] dtypes = {DType.BF16, DType.F32, DType.F16, DType.F32, DType.BF16, DType.F64, DType.F16};
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (int l = 0; l < dtypes.length; l++) {
            int units = 20 + 7 * l;
            int fanIn = 3_001 + l;
            double[] kernel = new double[units * fanIn];
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] = (i / fanIn) % 4 == 0 ? -Math.abs(r.nextGaussian()) : r.nextGaussian() * 0.5;
            }
            if (l == 4) {
                kernel[99] = Double.NaN;
            }
            double[] bias = new double[units];
            for (int i = 0; i < units; i++) {
                bias[i] = r.nextGaussian() - 1;
            }
            w.tensor("l" + l + ".weight", dtypes[l], new long[] {units, fanIn}, kernel);
            w.tensor("l" + l + ".bias", dtypes[l], new long[] {units}, bias);
        }
        SafeTensors file = SafeTensors.read(w.toBytes());
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        CheckpointFeatures one = CheckpointAnalyzer.analyze(file, "relu");
        CheckpointFeatures three = CheckpointAnalyzer.analyze(file, "relu", bytes::addAndGet, 3);
        assertThat(three).isEqualTo(one);
        assertThat(three.layers()).hasSize(dtypes.length);
        assertThat(three.nonfiniteTensors()).containsExactly("l4.weight");
        assertThat(three.layers().get(3).get("dead_fraction")).isGreaterThan(0);
        assertThat(bytes.get()).isEqualTo(file.dataBytes());
    }
}
