package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Expected numbers were computed once with Debian's python3-numpy 1.24 (np.mean, np.std, np.percentile). */
class TensorSummaryTest {

    private static void assertSummary(double[] values, double... expected) {
        TensorSummary s = TensorSummary.of(values);
        double[] got = {s.mean(), s.std(), s.p0(), s.p25(), s.p50(), s.p75(), s.p100(), s.l1(), s.l2()};
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("statistic %d", i).isCloseTo(expected[i], within(Math.abs(expected[i]) * 1e-12 + 1e-15));
        }
    }

    @Test
    void matchesNumpyOnSmallVectors() {
        assertSummary(new double[] {3.0, -1.5, 2.25, 0.0, 7.5, -4.0, 1.0},
                1.1785714285714286, 3.3772196027054506, -4.0, -0.75, 1.0, 2.625, 7.5, 19.25, 9.46374661537385);
        assertSummary(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1},
                0.6, 0.31622776601683794, 0.1, 0.35, 0.6, 0.8500000000000001, 1.1, 6.6, 2.249444375840399);
        assertSummary(new double[] {1e-3, -2e-3, 3.5e-1, 4.0, -0.25, 0.125},
                0.7040000000000001, 1.4847521678717965, -0.25, -0.00125, 0.063, 0.29374999999999996, 4.0, 4.728, 4.0250006211179645);
        assertSummary(new double[] {5.0}, 5.0, 0.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0);
    }

    @Test
    void matchesNumpyOnALongVector() {
        double[] a = new double[1001];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((i * 7919.0) % 1000) / 1000 - 0.5 + i * 1e-4;
        }
        assertSummary(a, 0.049000999000998996, 0.29030562970834833, -0.5, -0.19990000000000002,
                0.049500000000000016, 0.29889999999999994, 0.5933, 253.573, 9.314780459033912);
    }

    @Test
    void nonFiniteValuesAreCountedNotSummarised() {
        TensorSummary s = TensorSummary.of(new double[] {1, Double.NaN, 3, Double.POSITIVE_INFINITY});
        assertThat(s.nonfinite()).isEqualTo(2);
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.mean()).isEqualTo(2.0);
        assertThat(TensorSummary.of(new double[] {Double.NaN}).mean()).isNaN();
    }

    @Test
    void deadUnitsNeedAllIncomingWeightsAndBiasNonPositive() {
        double[] kernel = {-1, -2, 0, /* unit 1 */ -1, 0.5, -1, /* unit 2 */ -1, -1, -1};
        assertThat(DeadUnits.fraction(kernel, 3, new double[] {0, -1, 0.1})).isEqualTo(1.0 / 3);
        assertThat(DeadUnits.fraction(kernel, 3, null)).isEqualTo(2.0 / 3);
    }
}
