package io.weightcast.eval.earlystop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class EarlyStopOutcomeTest {

    @Test
    void scoresAHandMadeReplay() {
        double[] finals = {0.9, 0.5, 0.8, 0.3, 0.95}; // top 5% of 5 runs = ceil(0.25) = 1 run: run 4
        int epochs = 10;
        int[] keepsTheBest = {10, 2, 10, 1, 10};  // trains 33 of 50 epochs
        int[] stopsTheBest = {10, 10, 5, 3, 4};   // trains 32; best kept is run 0 (0.9)

        EarlyStopOutcome o = EarlyStopOutcome.of(finals, epochs, List.of(keepsTheBest, stopsTheBest));

        assertThat(o.computeSaved()).isCloseTo((0.34 + 0.36) / 2, within(1e-12));
        assertThat(o.top5Kept()).isCloseTo(0.5, within(1e-12));
        assertThat(o.top5KeptMin()).isEqualTo(0.0);
        assertThat(o.top1Kept()).isCloseTo(0.5, within(1e-12));
        assertThat(o.regret()).isCloseTo(0.025, within(1e-12));
        assertThat(o.regretMax()).isCloseTo(0.05, within(1e-12));
        assertThat(o.keepsAllTop()).isFalse();
    }

    @Test
    void runsWithinOneTestSetStandardErrorOfTheCutAreNotClearTopRuns() {
        // 100 runs on a 400-image test set: accuracies are k/400; the top 5% are the 5 best
        double[] finals = new double[100];
        for (int r = 0; r < 100; r++) {
            finals[r] = (200 + r) / 400.0; // 0.5 .. 0.7475, every 1/400 step present
        }
        assertThat(EarlyStopOutcome.testImages(finals)).isEqualTo(400.0);
        // cut = finals[95] = 0.7375, SE = sqrt(0.7375 * 0.2625 / 400) = 0.022: only finals >= 0.7595 are clear, none here
        finals[99] = 0.8;
        finals[98] = 0.76;
        int[] stopsTheCut = new int[100];
        java.util.Arrays.fill(stopsTheCut, 3);
        stopsTheCut[98] = 10;
        stopsTheCut[99] = 10;
        EarlyStopOutcome o = EarlyStopOutcome.of(finals, 10, List.of(stopsTheCut));
        assertThat(o.top5KeptMin()).isCloseTo(0.4, within(1e-12));  // 3 of 5 top runs stopped
        assertThat(o.top5ClearRuns()).isEqualTo(2);
        assertThat(o.top5ClearKeptMin()).isEqualTo(1.0);
        stopsTheCut[98] = 9;
        assertThat(EarlyStopOutcome.of(finals, 10, List.of(stopsTheCut)).top5ClearKeptMin()).isEqualTo(0.5);
        // a handful of runs says nothing about the test set's size
        assertThat(EarlyStopOutcome.testImages(new double[] {0.4, 0.7})).isNaN();
        assertThat(EarlyStopOutcome.of(new double[] {0.4, 0.7}, 5, List.of(new int[] {5, 5})).top5ClearKeptMin()).isNaN();
    }

    @Test
    void aRunStoppedAtTheLastEpochIsKeptAndSavesNothing() {
        double[] finals = {0.2, 0.9};
        EarlyStopOutcome o = EarlyStopOutcome.of(finals, 4, List.of(new int[] {4, 4}));
        assertThat(o.computeSaved()).isEqualTo(0.0);
        assertThat(o.top5Kept()).isEqualTo(1.0);
        assertThat(o.keepsAllTop()).isTrue();
    }

    @Test
    void stoppingEverythingHasTheWholeBestAccuracyAsRegret() {
        EarlyStopOutcome o = EarlyStopOutcome.of(new double[] {0.4, 0.7}, 5, List.of(new int[] {1, 1}));
        assertThat(o.computeSaved()).isCloseTo(0.8, within(1e-12));
        assertThat(o.regret()).isCloseTo(0.7, within(1e-12));
        assertThat(o.top1Kept()).isEqualTo(0.0);
    }

    @Test
    void theTopSetIncludesTiesAtTheCut() {
        double[] finals = new double[20];
        finals[3] = 0.9;
        finals[7] = 0.9;
        boolean[] top = EarlyStopOutcome.top(finals, 0.05); // 1 of 20, but two share the best accuracy
        assertThat(top[3]).isTrue();
        assertThat(top[7]).isTrue();
        assertThat(top[0]).isFalse();
    }
}
