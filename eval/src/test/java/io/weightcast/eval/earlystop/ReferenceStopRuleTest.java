package io.weightcast.eval.earlystop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReferenceStopRuleTest {
    // three epochs; before any run finished the reference is the training runs' median, 0.6
    private static final double[][] TRAINING = {{0.5, 0.6, 0.7}, {0.5, 0.6, 0.7}, {0.5, 0.6, 0.7}};

    @Test
    void stopsAfterKConsecutiveBelowReferenceCheckpoints() {
        double[][] score = {
                {0.9, 0.9, 0.9},  // always above
                {0.2, 0.2, 0.2},  // below from the start: stopped after epoch 2 with k = 2
                {0.1, 0.9, 0.1}}; // below twice, never twice in a row: kept
        ReferenceStopRule rule = new ReferenceStopRule(score, score, TRAINING, 0.5, 2, 1, 100);
        assertThat(rule.replay(new int[] {0, 1, 2})).containsExactly(3, 2, 3);
    }

    @Test
    void theReferenceMovesToTheFinishedRunsOnceEnoughFinished() {
        double[][] score = {{0.9, 0.9, 0.9}, {0.8, 0.8, 0.8}};
        // min 1 finished: the first run is judged on the training median 0.6 and finishes; the second on the
        // first's values. Run 1 (0.8) after run 0 (0.9) is stopped; run 0 after run 1 is not.
        ReferenceStopRule rule = new ReferenceStopRule(score, score, TRAINING, 0.5, 1, 1, 1);
        assertThat(rule.replay(new int[] {0, 1})).containsExactly(3, 1);
        assertThat(rule.replay(new int[] {1, 0})).containsExactly(3, 3);
    }

    @Test
    void belowBeforeTheFirstJudgedEpochDoesNotCountAndNaNIsBelow() {
        double[][] score = {{0.1, 0.9, 0.9}, {0.9, Double.NaN, 0.9}};
        ReferenceStopRule fromTwo = new ReferenceStopRule(score, score, TRAINING, 0.5, 1, 2, 100);
        assertThat(fromTwo.replay(new int[] {0, 1})).containsExactly(3, 2);
        ReferenceStopRule fromOne = new ReferenceStopRule(score, score, TRAINING, 0.5, 1, 1, 100);
        assertThat(fromOne.replay(new int[] {0, 1})).containsExactly(1, 2);
    }

    @Test
    void sortedQuantileIsNumpyLinear() {
        double[] sorted = {1, 2, 3, 4, 0, 0}; // only the first 4 count
        assertThat(ReferenceStopRule.sortedQuantile(sorted, 4, 0.5)).isEqualTo(2.5);
        assertThat(ReferenceStopRule.sortedQuantile(sorted, 4, 0.75)).isEqualTo(3.25);
        assertThat(ReferenceStopRule.sortedQuantile(sorted, 0, 0.5)).isEqualTo(Double.NEGATIVE_INFINITY);
    }
}
