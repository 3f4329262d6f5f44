package io.weightcast.eval.earlystop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopQuantileStopRuleTest {

    @Test
    void thresholdIsTheAlphaQuantileOfTheGoodRunsPredictions() {
        double[][] pred = {{0.9, 0.95}, {0.8, 0.85}, {0.3, 0.2}, {0.7, 0.9}};
        double[] finals = {0.96, 0.9, 0.2, 0.94};
        // reference 0.5 → cut 0.92 (numpy-linear over the finals): runs 0 and 3 are "good"
        double[] thr = TopQuantileStopRule.thresholds(pred, finals, 0.5, 0.0);
        assertThat(thr).containsExactly(0.7, 0.9);
        assertThat(TopQuantileStopRule.thresholds(pred, finals, 0.5, 1.0)).containsExactly(0.9, 0.95);
    }

    @Test
    void stopsAfterKConsecutiveEpochsBelow() {
        double[][] pred = {{0.1, 0.9, 0.1, 0.1}, {0.9, 0.9, 0.9, 0.9}, {Double.NaN, 0.1, 0.9, 0.9}};
        double[] thr = {0.5, 0.5, 0.5, 0.5};
        assertThat(TopQuantileStopRule.stops(pred, thr, 1)).containsExactly(1, 4, 1);
        assertThat(TopQuantileStopRule.stops(pred, thr, 2)).containsExactly(4, 4, 2);
    }

    @Test
    void crossValidationAndHeldOutKeepTheGoodRunsOfAPredictableZoo() {
        Random rnd = new Random(1);
        int runs = 200;
        int epochs = 4;
        double[][] pred = new double[runs][epochs];
        double[] finals = new double[runs];
        for (int r = 0; r < runs; r++) {
            finals[r] = rnd.nextDouble();
            for (int e = 0; e < epochs; e++) {
                pred[r][e] = finals[r] + 0.05 * rnd.nextGaussian() / (e + 1);
            }
        }
        List<EarlyStopBenchmark.Scored> cv = TopQuantileStopRule.crossValidated(pred, finals, 5, 3);
        assertThat(cv).hasSize(TopQuantileStopRule.REFERENCES.length * TopQuantileStopRule.ALPHAS.length
                * TopQuantileStopRule.CONSECUTIVE.length);
        EarlyStopBenchmark.Scored chosen = EarlyStopBenchmark.best(cv);
        assertThat(chosen.outcome().keepsAllTop()).isTrue();
        assertThat(chosen.outcome().computeSaved()).isGreaterThan(0.5); // most runs are clearly not top runs

        EarlyStopBenchmark.Scored held = TopQuantileStopRule.heldOut(chosen.params(), pred, finals, pred, finals, 3);
        assertThat(held.params()).containsKeys("reference_percentile", "alpha", "consecutive", "thresholds");
        assertThat(held.outcome().top1Kept()).isEqualTo(1.0);
        assertThat(held.outcome().computeSaved()).isGreaterThan(0.5);
    }

    @Test
    void repeatedCrossValidationKeepsEveryTopRunOnlyWhenEveryRepetitionDoes() {
        Random rnd = new Random(2);
        int runs = 150;
        double[][] pred = new double[runs][3];
        double[] finals = new double[runs];
        for (int r = 0; r < runs; r++) {
            finals[r] = rnd.nextDouble();
            for (int e = 0; e < 3; e++) {
                pred[r][e] = finals[r] + 0.15 * rnd.nextGaussian(); // noisy: fold assignments matter
            }
        }
        long[] seeds = TopQuantileStopRule.seeds(10, 4);
        assertThat(seeds).containsExactly(10, 11, 12, 13);
        List<EarlyStopBenchmark.Scored> repeated = TopQuantileStopRule.crossValidated("w", pred, finals, 5, seeds);
        List<List<EarlyStopBenchmark.Scored>> single = new java.util.ArrayList<>();
        for (long seed : seeds) {
            single.add(TopQuantileStopRule.crossValidated("w", pred, finals, 5, seed));
        }
        boolean someSettingDiffers = false;
        for (int i = 0; i < repeated.size(); i++) {
            final int at = i;
            double meanSaved = single.stream().mapToDouble(l -> l.get(at).outcome().computeSaved()).average().orElseThrow();
            boolean allKeep = single.stream().allMatch(l -> l.get(at).outcome().keepsAllTop());
            boolean anyKeeps = single.stream().anyMatch(l -> l.get(at).outcome().keepsAllTop());
            assertThat(repeated.get(i).outcome().computeSaved()).isCloseTo(meanSaved, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(repeated.get(i).outcome().keepsAllTop()).isEqualTo(allKeep);
            someSettingDiffers |= anyKeeps && !allKeep;
        }
        assertThat(someSettingDiffers).as("some setting keeps every top run under one fold seed but not another").isTrue();
        assertThat(EarlyStopBenchmark.best(repeated).outcome().computeSaved())
                .isLessThanOrEqualTo(single.stream().mapToDouble(l -> EarlyStopBenchmark.best(l).outcome().computeSaved()).max()
                        .orElseThrow());
    }

    @Test
    void settingsAreFoundByTheirParameters() {
        EarlyStopBenchmark.Scored a = new EarlyStopBenchmark.Scored("w", Map.of("interval_level", 0.8, "consecutive", 1),
                new EarlyStopOutcome(0.5, 1, 1, 1, 0, 0));
        EarlyStopBenchmark.Scored b = new EarlyStopBenchmark.Scored("w", Map.of("interval_level", 0.9, "consecutive", 1),
                new EarlyStopOutcome(0.7, 1, 1, 1, 0, 0));
        assertThat(EarlyStopBenchmark.withParams(List.of(a, b), Map.of("consecutive", 1, "interval_level", 0.8))).isSameAs(a);
        assertThat(EarlyStopBenchmark.bestWith(List.of(a, b), Map.of("interval_level", 0.8))).isSameAs(a);
        assertThat(EarlyStopBenchmark.best(List.of(a, b))).isSameAs(b);
    }
}
