package io.weightcast.eval;

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
