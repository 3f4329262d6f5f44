package io.weightcast.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.features.HyperparameterFeatures;
import io.weightcast.core.features.LearningCurveFeatures;
import org.junit.jupiter.api.Test;

class FeatureSetTest {

    @Test
    void familiesHoldWhatTheirNamesSay() {
        assertThat(FeatureLayout.names()).containsAll(LearningCurveFeatures.NAMES);
        assertThat(FeatureSet.STATISTICS.columnNames()).contains("kernel_std_mean", "bias_p50_last", "step_fraction")
                .doesNotContain("kernel_l2_mean", "alpha_mean", "metric_val_acc", "curve_val_acc_best", "dead_fraction_max");
        assertThat(FeatureSet.STATISTICS.columns()).hasSize(2 * 7 * 5 + FeatureLayout.GLOBAL_FEATURES.size());
        assertThat(FeatureSet.STATISTICS_NORMS.columnNames()).contains("kernel_l1_first", "bias_l2_max");
        assertThat(FeatureSet.STATISTICS_NORMS_SPECTRA.columnNames()).contains("alpha_mean", "stable_rank_last");
        assertThat(FeatureSet.STATISTICS_CURVE.columnNames()).contains("metric_val_acc", "curve_val_acc_slope3")
                .doesNotContain("kernel_l1_first");
        assertThat(FeatureSet.WEIGHTS_ONLY.columnNames())
                .noneMatch(n -> n.startsWith("metric_") || n.startsWith("curve_") || n.startsWith("hp_"))
                .contains("dead_fraction_max", "max_bias_last", "alpha_mean");
        assertThat(FeatureSet.STATISTICS_CURVE.columnNames()).noneMatch(n -> n.startsWith("hp_"));
        assertThat(FeatureSet.CURVE_ONLY.columnNames()).noneMatch(n -> n.startsWith("hp_"));
        assertThat(FeatureSet.WEIGHTS_CURVE.columnNames()).noneMatch(n -> n.startsWith("hp_"))
                .hasSize(FeatureLayout.size() - HyperparameterFeatures.NAMES.size()).contains("curve_val_acc_best", "alpha_mean");
        assertThat(FeatureSet.ALL.columnNames()).contains("hp_log10_learning_rate", "hp_init");
        assertThat(FeatureSet.ALL.columns()).hasSize(FeatureLayout.size());
        assertThat(FeatureSet.ALL.architectureAgnostic().columnNames()).doesNotContain("param_count", "layer_count")
                .hasSize(FeatureLayout.size() - 2);
    }
}
