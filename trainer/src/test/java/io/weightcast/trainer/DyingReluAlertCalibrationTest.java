package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.trainer.DyingReluAlertCalibration.Choice;
import io.weightcast.trainer.DyingReluAlertCalibration.RunPeak;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DyingReluAlertCalibrationTest {
    private static RunPeak run(double peak, boolean dying) {
        return new RunPeak("r" + peak + dying, peak, dying);
    }

    @Test
    void theLowestThresholdWhoseFlaggedRunsAreRightNineTimesInTen() {
        List<RunPeak> peaks = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            peaks.add(run(0.95 + i * 0.001, true)); // clearly dying
        }
        peaks.add(run(0.9, false));                 // a confident miss: 9 of 10 above 0.9 are right
        peaks.add(run(0.7, false));                 // near-dying runs that recovered
        peaks.add(run(0.6, false));
        peaks.add(run(0.55, true));
        peaks.add(run(0.2, false));
        Choice c = DyingReluAlertCalibration.choose(peaks);
        assertThat(c.alertProbability()).isEqualTo(0.9);
        assertThat(c.flagged()).isEqualTo(10);
        assertThat(c.cameTrue()).isEqualTo(9);
        assertThat(c.recall()).isEqualTo(9.0 / 10);
        assertThat(c.precision()).isEqualTo(0.9);
    }

    @Test
    void neverBelowHalfAndSilentWhenNoThresholdIsPreciseEnough() {
        assertThat(DyingReluAlertCalibration.choose(List.of(run(0.3, true), run(0.8, true))).alertProbability())
                .as("0.3 would be right too, but the alert says 'more likely than not'").isEqualTo(0.8);
        Choice coinToss = DyingReluAlertCalibration.choose(List.of(run(0.9, true), run(0.95, false), run(0.7, false)));
        assertThat(coinToss.alertProbability()).isEqualTo(DyingReluAlertCalibration.SILENT).isGreaterThan(1);
        assertThat(coinToss.flagged()).isZero();
    }

    @Test
    void peaksAreOutOfFoldForEveryLabelledRun() {
        DeadUnitLabels labels = new DeadUnitLabels();
        List<ZooRun> zoo = new DyingReluZoo(21).zoo(60, labels);
        List<RunPeak> peaks = DyingReluAlertCalibration.peaks(zoo, labels, FitParams.defaults());
        assertThat(peaks).hasSize(60);
        Choice c = DyingReluAlertCalibration.choose(peaks);
        // the synthetic zoo's dying runs stay dead and show it: a threshold exists and is right
        assertThat(c.alertProbability()).isBetween(0.5, 1.0);
        assertThat(c.precision()).isGreaterThanOrEqualTo(0.9);
        assertThat(c.recall()).isGreaterThan(0.8);
    }
}
