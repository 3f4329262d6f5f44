package io.weightcast.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StopRuleSelectionTest {
    private static final int RUNS = 200;
    private static final int STAGES = 4;

    /**
     * 200 runs, 4 stages: the first 80 finish in the top quarter, scored evenly over 0.2..1.0 at every stage, the first 10
     * of them top runs; the rest score 0.1. Guard 0 (careful) lets only the bottom 120 runs' checkpoints count, guard 1
     * (bold) every checkpoint.
     */
    private static StopRuleSelection.Runs runs(double lowTopScore) {
        double[][] score = new double[RUNS][STAGES];
        boolean[] good = new boolean[RUNS];
        boolean[] top = new boolean[RUNS];
        for (int r = 0; r < RUNS; r++) {
            good[r] = r < 80;
            top[r] = r < 10;
            Arrays.fill(score[r], r < 80 ? 1.0 - 0.8 * r / 79.0 : 0.1);
        }
        if (!Double.isNaN(lowTopScore)) {
            score[9][0] = lowTopScore; // a late bloomer: low at the first stage only
        }
        double[][] careful = new double[RUNS][];
        for (int r = 0; r < RUNS; r++) {
            careful[r] = r < 80 ? nan() : score[r].clone();
        }
        return new StopRuleSelection.Runs(score, new double[][][] {careful, score}, good, top);
    }

    /** The choice among candidates that stop a run on its first checkpoint counted against it. */
    private static StopRuleSelection.Choice firstCheckpoint(StopRuleSelection.Runs runs, double[] shares) {
        return StopRuleSelection.choose(runs, shares, new int[] {1}, 20, 1);
    }

    private static double[] nan() {
        double[] a = new double[STAGES];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    @Test
    void theBoldestCandidateWinsWhenNoHalvingStopsATopRun() {
        StopRuleSelection.Choice c = firstCheckpoint(runs(Double.NaN), StopRuleSelection.SHARES);
        assertThat(c.safe()).isTrue();
        assertThat(c.guard()).isEqualTo(1); // the bold guard stops top-quarter runs too: more saved
        assertThat(c.share()).isEqualTo(0.4);
        // the bottom 120 runs stop at the first stage (3 of 4 stages saved), and ~40% of the other top-quarter ones
        assertThat(c.saved()).isBetween(0.6 * 0.75, 0.75);
        assertThat(c.safeCandidates()).isEqualTo(c.candidates());
    }

    @Test
    void aLateBloomingTopRunRulesOutTheCandidatesThatWouldStopIt() {
        // the top run scores like the top quarter's 40th percentile at the first stage
        StopRuleSelection.Choice c = firstCheckpoint(runs(1.0 - 0.8 * 0.6), StopRuleSelection.SHARES);
        assertThat(c.safe()).isTrue();
        assertThat(c.guard() == 0 || c.share() < 0.4).isTrue();
        assertThat(c.safeCandidates()).isLessThan(c.candidates());
        // scored lowest of all, only the careful guard (which never lets a top-quarter run count) is safe
        StopRuleSelection.Choice lowest = firstCheckpoint(runs(0.15), StopRuleSelection.SHARES);
        assertThat(lowest.guard()).isZero();
        assertThat(lowest.saved()).isCloseTo(0.6 * 0.75, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void nothingSafeGivesTheMostCarefulCandidate() {
        StopRuleSelection.Runs r = runs(0.15);
        // the careful guard lets the low top run count too: every candidate stops it on some halving
        r.guarded()[0][9] = r.score()[9].clone();
        StopRuleSelection.Choice c = firstCheckpoint(r, StopRuleSelection.SHARES);
        assertThat(c.safe()).isFalse();
        assertThat(c.guard()).isZero();
        assertThat(c.share()).isEqualTo(StopRuleSelection.SHARES[0]);
        assertThat(c.safeCandidates()).isZero();
    }

    @Test
    void tooFewCalibrationRunsShowNothingSafe() {
        StopRuleSelection.Runs r = runs(Double.NaN);
        for (int i = 6; i < 80; i++) {
            r.good()[i] = false; // 6 runs: a half holds fewer than MIN_CALIBRATION_RUNS
        }
        StopRuleSelection.Choice c = firstCheckpoint(r, StopRuleSelection.SHARES);
        assertThat(c.safe()).isFalse();
        assertThat(c.share()).isEqualTo(StopRuleSelection.SHARES[0]);
    }

    @Test
    void aZooWithFewTopRunsCannotBeJudged() {
        StopRuleSelection.Runs r = runs(Double.NaN); // 10 top runs: ~5 per half
        assertThat(StopRuleSelection.judgeable(r)).isFalse();
        for (int i = 10; i < 20; i++) {
            r.top()[i] = true;
        }
        assertThat(StopRuleSelection.judgeable(r)).isTrue();
    }

    @Test
    void twoInARowSparesATopRunLowAtOneStageOnly() {
        StopRuleSelection.Runs r = runs(0.15); // top run 9 scored below every top-quarter run at the first stage only
        r.guarded()[0][9] = r.score()[9].clone(); // even the careful guard lets it count
        assertThat(firstCheckpoint(r, StopRuleSelection.SHARES).safe()).isFalse(); // first checkpoint: unsafe
        StopRuleSelection.Choice c = StopRuleSelection.choose(r, StopRuleSelection.SHARES, StopRuleSelection.CONSECUTIVE, 20, 1);
        assertThat(c.safe()).isTrue();
        assertThat(c.consecutive()).isEqualTo(2);
        // the bottom 120 runs stop at the second stage now: half the epochs, not three quarters
        assertThat(c.saved()).isBetween(0.6 * 0.5, 0.5);
        assertThat(c.candidates()).isEqualTo(2 * 2 * StopRuleSelection.SHARES.length);
    }
}
