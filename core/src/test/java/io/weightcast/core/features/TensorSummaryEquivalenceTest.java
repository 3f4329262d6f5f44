package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import org.junit.jupiter.api.Test;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two-pass statistics against the sort-based reference ({@link ReferenceTensorSummary}, the code
 * of before issue 24) on random tensors: with the reference's sums in numpy's order every number must be
 * the same double, bit for bit; against the code as it was, percentiles and counts bit for bit and the
 * sums within 1e-12 relative (TensorSummaryTest's bound).
 */
class TensorSummaryEquivalenceTest {
    private static final int[] SIZES = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 1023, 4097,
        65_535, 65_537, 300_001, 2_359_296};

    /** Value shapes a checkpoint can hold: Gaussian weights, wide and narrow ranges, many ties, zeros of both signs. */
    enum Shape { GAUSSIAN, UNIFORM, HUGE_RANGE, TIES, SIGNED_ZEROS, CONSTANT, TINY_SUBNORMAL }

    private static float draw(Shape shape, Random r) {
        return switch (shape) {
            case GAUSSIAN -> (float) (r.nextGaussian() * 0.02);
            case UNIFORM -> (float) (2 * r.nextDouble() - 1);
            case HUGE_RANGE -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(70) - 35));
            case TIES -> r.nextInt(5) - 2 + 0.5f * r.nextInt(2);
            case SIGNED_ZEROS -> r.nextInt(3) == 0 ? -0.0f : r.nextInt(2) == 0 ? 0.0f : (float) r.nextGaussian();
            case CONSTANT -> 0.25f;
            case TINY_SUBNORMAL -> Float.MIN_VALUE * (r.nextInt(2000) - 1000);
        };
    }

    private static float[] tensor(int n, Shape shape, double nonfiniteShare, Random r) {
        float[] v = new float[n];
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() < nonfiniteShare ? bad[r.nextInt(3)] : draw(shape, r);
        }
        return v;
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static final String[] NAMES = {"mean", "std", "p0", "p25", "p50", "p75", "p100", "l1", "l2"};

    private static double[] numbers(TensorSummary s) {
        return new double[] {s.mean(), s.std(), s.p0(), s.p25(), s.p50(), s.p75(), s.p100(), s.l1(), s.l2()};
    }

    private static double[] numbers(ReferenceTensorSummary s) {
        return new double[] {s.mean(), s.std(), s.p0(), s.p25(), s.p50(), s.p75(), s.p100(), s.l1(), s.l2()};
    }

    /** Against the code as it was: percentiles and counts bit for bit, sums (now in numpy's order) within 1e-12 relative. */
    private static void assertAsBefore(TensorSummary got, ReferenceTensorSummary before, String where) {
        double[] g = numbers(got);
        double[] w = numbers(before);
        for (int i = 0; i < g.length; i++) {
            if ((i < 2 || i > 6) && !Double.isNaN(w[i])) {
                assertThat(g[i]).as("%s of %s", NAMES[i], where).isCloseTo(w[i], within(Math.abs(w[i]) * 1e-12));
            } else {
                assertThat(Double.doubleToRawLongBits(g[i])).as("%s of %s: %s vs %s", NAMES[i], where, g[i], w[i])
                        .isEqualTo(Double.doubleToRawLongBits(w[i]));
            }
        }
        assertThat(got.count()).isEqualTo(before.count());
        assertThat(got.nonfinite()).isEqualTo(before.nonfinite());
    }

    /** Against numpy's definitions in numpy's summation order: every number bit for bit. */
    private static void assertSame(TensorSummary got, ReferenceTensorSummary want, String where) {
        double[] g = numbers(got);
        double[] w = numbers(want);
        String[] names = NAMES;
        for (int i = 0; i < g.length; i++) {
            assertThat(Double.doubleToRawLongBits(g[i])).as("%s of %s: %s vs %s", names[i], where, g[i], w[i])
                    .isEqualTo(Double.doubleToRawLongBits(w[i]));
        }
        assertThat(got.count()).as("count of %s", where).isEqualTo(want.count());
        assertThat(got.nonfinite()).as("nonfinite of %s", where).isEqualTo(want.nonfinite());
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void floatPathEqualsTheReferenceBitForBit(Shape shape) {
        Random r = new Random(shape.ordinal() * 7919L + 1);
        for (int n : SIZES) {
            for (double nonfiniteShare : new double[] {0, 0.001, 0.3, 1}) {
                if (n > 300_001 && nonfiniteShare > 0.001) {
                    continue;
                }
                float[] v = tensor(n, shape, nonfiniteShare, r);
                String where = shape + " n=" + n + " nonfinite share " + nonfiniteShare;
                TensorSummary got = TensorSummary.of(FloatBuffer.wrap(v));
                assertSame(got, ReferenceTensorSummary.numpyOrder(widen(v)), where);
                assertAsBefore(got, ReferenceTensorSummary.of(widen(v)), where);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 9, 129, 1000, 65_537})
    void doublePathEqualsTheReferenceBitForBit(int n) {
        Random r = new Random(n);
        for (int round = 0; round < 5; round++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextInt(50) == 0 ? Double.NaN : r.nextInt(7) == 0 ? r.nextInt(3) - 1 : r.nextGaussian() * Math.exp(r.nextInt(40) - 20);
            }
            assertSame(TensorSummary.of(v), ReferenceTensorSummary.numpyOrder(v), "doubles n=" + n);
            assertAsBefore(TensorSummary.of(v), ReferenceTensorSummary.of(v), "doubles n=" + n);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void everyFloatingDtypeDecodedOnceEqualsTheReferenceOnItsDecodedDoubles(DType dtype) {
        Random r = new Random(dtype.ordinal());
        for (int n : new int[] {2, 9, 130, 5000, 70_000}) {
            double[] v = widen(tensor(n, Shape.GAUSSIAN, 0.01, r));
            v[0] = -0.0;
            v[1] = Double.POSITIVE_INFINITY;
            SafeTensors file = SafeTensors.read(new SafeTensorsWriter().tensor("w", dtype, new long[] {n}, v).toBytes());
            TensorValues view = TensorValues.of(file, file.tensor("w"));
            double[] decoded = file.values("w");
            assertSame(view.summary(), ReferenceTensorSummary.numpyOrder(decoded), dtype + " n=" + n);
            long bad = 0;
            for (double x : decoded) {
                bad += Double.isFinite(x) ? 0 : 1;
            }
            assertThat(view.nonfinite()).isEqualTo(bad).isPositive();
            assertThat(view.size()).isEqualTo(n);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "BF16"})
    void deadUnitsFromTheViewEqualTheArrayCriterion(DType dtype) {
        Random r = new Random(11);
        int units = 40;
        int fanIn = 9;
        double[] kernel = new double[units * fanIn];
        double[] bias = new double[units];
        for (int u = 0; u < units; u++) {
            boolean dead = u % 3 == 0;
            for (int i = 0; i < fanIn; i++) {
                kernel[u * fanIn + i] = dead ? -Math.abs(r.nextGaussian()) : r.nextGaussian();
            }
            bias[u] = u % 5 == 0 ? 0.5 : -0.25;
        }
        kernel[3 * fanIn + 4] = Double.NaN;
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .tensor("l.weight", dtype, new long[] {units, fanIn}, kernel)
                .tensor("l.bias", dtype, new long[] {units}, bias).toBytes());
        double fromViews = DeadUnits.fraction(TensorValues.of(file, file.tensor("l.weight")), units,
                TensorValues.of(file, file.tensor("l.bias")));
        assertThat(fromViews).isEqualTo(DeadUnits.fraction(file.values("l.weight"), units, file.values("l.bias")))
                .isGreaterThan(0).isLessThan(1.0 / 3);
    }

    /** Every layer of a checkpoint mixing dtypes and offsets, with a NaN in one kernel and an Inf outside the layers. */
    @Test
    void checkpointAnalyzerReadsEachTensorAtItsOffsetAsTheReferenceDoes() {
        Random r = new Random(5);
        DType[] dtypes = {DType.F32, DType.F16, DType.BF16, DType.F64, DType.F32};
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (int l = 0; l < dtypes.length; l++) {
            int units = 8 + 3 * l;
            int fanIn = 5 + l;
            double[] kernel = widen(tensor(units * fanIn, Shape.GAUSSIAN, 0, r));
            double[] bias = widen(tensor(units, Shape.UNIFORM, 0, r));
            if (l == 2) {
                kernel[7] = Double.NaN;
            }
            w.tensor("l" + l + ".weight", dtypes[l], new long[] {units, fanIn}, kernel);
            w.tensor("l" + l + ".bias", dtypes[l], new long[] {units}, bias);
            w.tensor("bn" + l + ".running_var", DType.F32, new long[] {units}, l == 3 ? new double[units] : bias);
        }
        SafeTensors file = SafeTensors.read(w.tensor("bn9.weight", DType.F32, new long[] {2}, new double[] {1, Double.POSITIVE_INFINITY})
                .toBytes());

        CheckpointFeatures f = CheckpointAnalyzer.analyze(file, "relu");

        assertThat(f.layers()).hasSize(dtypes.length);
        for (LayerFeatures layer : f.layers()) {
            ReferenceTensorSummary k = ReferenceTensorSummary.numpyOrder(file.values(layer.name() + ".weight"));
            ReferenceTensorSummary b = ReferenceTensorSummary.numpyOrder(file.values(layer.name() + ".bias"));
            double[] want = {k.mean(), k.std(), k.p0(), k.p25(), k.p50(), k.p75(), k.p100(), k.l1(), k.l2(),
                b.mean(), b.std(), b.p0(), b.p25(), b.p50(), b.p75(), b.p100(), b.l1(), b.l2()};
            String[] names = {"kernel_mean", "kernel_std", "kernel_p0", "kernel_p25", "kernel_p50", "kernel_p75", "kernel_p100",
                "kernel_l1", "kernel_l2", "bias_mean", "bias_std", "bias_p0", "bias_p25", "bias_p50", "bias_p75", "bias_p100",
                "bias_l1", "bias_l2"};
            for (int i = 0; i < names.length; i++) {
                assertThat(layer.get(names[i])).as("%s %s", layer.name(), names[i]).isEqualTo(want[i]);
            }
        }
        assertThat(f.nonfiniteValues()).isEqualTo(2);
        assertThat(f.nonfiniteTensors()).containsExactly("l2.weight", "bn9.weight");
    }
}
