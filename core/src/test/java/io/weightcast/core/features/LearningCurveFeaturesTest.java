package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LearningCurveFeaturesTest {

    private static Map<String, Double> epoch(double valAcc, double valLoss, double trainAcc) {
        return Map.of("val_acc", valAcc, "val_loss", valLoss, "train_acc", trainAcc);
    }

    private static double get(double[] v, String name) {
        return v[LearningCurveFeatures.NAMES.indexOf(name)];
    }

    @Test
    void summarisesTheHistoryUpToTheCheckpoint() {
        List<Map<String, Double>> history = List.of(
                epoch(0.5, 1.2, 0.4), epoch(0.7, 0.9, 0.6), epoch(0.6, 1.0, 0.7), epoch(0.8, 0.7, 0.9));
        double[] v = LearningCurveFeatures.of(history);

        assertThat(v).hasSize(LearningCurveFeatures.size());
        assertThat(get(v, "curve_val_acc_best")).isEqualTo(0.8);
        assertThat(get(v, "curve_val_acc_prev1")).isEqualTo(0.6);
        assertThat(get(v, "curve_val_acc_prev2")).isEqualTo(0.7);
        assertThat(get(v, "curve_val_acc_delta1")).isCloseTo(0.2, within(1e-12));
        // last three val_acc 0.7, 0.6, 0.8: least-squares slope (0.8 - 0.7) / 2
        assertThat(get(v, "curve_val_acc_slope3")).isCloseTo(0.05, within(1e-12));
        assertThat(get(v, "curve_val_acc_mean3")).isCloseTo(0.7, within(1e-12));
        assertThat(get(v, "curve_val_loss_min")).isEqualTo(0.7);
        assertThat(get(v, "curve_val_loss_slope3")).isCloseTo(-0.1, within(1e-12));
        assertThat(get(v, "curve_train_acc_slope3")).isCloseTo(0.15, within(1e-12));
        assertThat(get(v, "curve_train_val_acc_gap")).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void shortOrIncompleteHistoriesGiveNaNNotInventedNumbers() {
        double[] first = LearningCurveFeatures.of(List.of(epoch(0.3, 2.0, 0.2)));
        assertThat(get(first, "curve_val_acc_best")).isEqualTo(0.3);
        assertThat(get(first, "curve_val_acc_prev1")).isNaN();
        assertThat(get(first, "curve_val_acc_slope3")).isNaN();
        assertThat(get(first, "curve_val_acc_delta1")).isNaN();

        List<Map<String, Double>> gappy = new ArrayList<>();
        gappy.add(epoch(0.5, 1.0, 0.5));
        Map<String, Double> nan = new HashMap<>(epoch(0.6, 1.0, 0.5));
        nan.put("val_acc", Double.NaN);
        gappy.add(nan);
        gappy.add(null);
        double[] v = LearningCurveFeatures.of(gappy);
        assertThat(get(v, "curve_val_acc_best")).isEqualTo(0.5);
        assertThat(get(v, "curve_val_acc_slope3")).isNaN();
        assertThat(java.util.Arrays.stream(LearningCurveFeatures.of(null)).allMatch(Double::isNaN)).isTrue();
    }
}
