package io.weightcast.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TestSetNoiseTest {

    @Test
    void theTestSizeIsReadOffTheAccuraciesGranularity() {
        double[] finals = new double[100];
        for (int r = 0; r < finals.length; r++) {
            finals[r] = (200 + 3 * r) / 360.0; // multiples of 1/360, the smallest gap 3/360 ... but one pair 1/360 apart
        }
        finals[1] = 201 / 360.0;
        assertThat(TestSetNoise.images(finals)).isEqualTo(360.0);
        assertThat(TestSetNoise.images(new double[] {0.4, 0.7})).as("a handful of runs says nothing").isNaN();
        assertThat(TestSetNoise.images(new double[] {0.5, 0.5, Double.NaN})).isNaN();
    }

    @Test
    void theStandardErrorIsBinomial() {
        assertThat(TestSetNoise.standardError(0.9, 360)).isCloseTo(Math.sqrt(0.9 * 0.1 / 360), within(1e-12));
        assertThat(TestSetNoise.standardError(0.9, Double.NaN)).isNaN();
        assertThat(TestSetNoise.standardError(Double.NaN, 360)).isNaN();
    }
}
