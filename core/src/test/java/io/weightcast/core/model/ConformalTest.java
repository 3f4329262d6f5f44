package io.weightcast.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConformalTest {

    @Test
    void quantileIsTheCeilOfNPlusOneTimesLevelSmallestResidual() {
        double[] res = {0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6}; // n = 9
        assertThat(Conformal.quantile(res, 0.8)).isEqualTo(0.8);   // rank ceil(10 * 0.8) = 8
        assertThat(Conformal.quantile(res, 0.5)).isEqualTo(0.5);   // rank 5
        assertThat(Conformal.quantile(res, 0.95)).isInfinite();    // rank 10 > 9: no finite guarantee
        assertThat(Conformal.quantile(new double[0], 0.5)).isInfinite();
    }

    @Test
    void halfWidthsArePerEpoch() {
        double[] y = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
        double[] pred = {0.4, 0.6, 0.5, 0.45, 0.0, 1.0, 0.2, 0.9};
        int[] epoch = {1, 1, 1, 1, 2, 2, 2, 2};
        double[] q = Conformal.perEpoch(y, pred, epoch, 2, 0.6); // n = 4 per epoch: rank ceil(5 * 0.6) = 3
        assertThat(q[0]).isCloseTo(0.1, within(1e-12));
        assertThat(q[1]).isEqualTo(0.5);
        assertThat(Conformal.upper(0.8, q[0])).isCloseTo(0.9, within(1e-12));
        assertThat(Conformal.lower(0.05, q[0])).isEqualTo(0.0);
    }

    @Test
    void halfWidthsByStageIgnoreRowsOfNoStageAndAreInfiniteWhereAStageHasTooFewRows() {
        double[] abs = {0.1, 0.2, 0.3, 0.4, 0.9, 0.05, 0.5};
        int[] stage = {0, 0, 0, 0, -1, 1, 7};
        double[] q = Conformal.byStage(abs, stage, 2, 0.6); // stage 0: n = 4, rank 3; stage 1: n = 1, rank 2 > 1
        assertThat(q[0]).isEqualTo(0.3);
        assertThat(q[1]).isInfinite();
    }
}
