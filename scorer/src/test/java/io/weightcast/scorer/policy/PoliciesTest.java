package io.weightcast.scorer.policy;

import static io.weightcast.scorer.policy.PolicyFixtures.checkpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.RunEvent;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import io.weightcast.scorer.ScorerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    /** Two checkpoints in a row on the 80% interval: the streak logic below needs k > 1. */
    private final Policies policies = Policies.from(new ScorerConfig(0.5, null, 2, 0.0, ScorerConfig.INTERVAL_RULE, 0.8));
    private final Health broken = new Health(2, List.of("fc.weight"), Map.of("fc2", 0.9));

    @Test
    void allPoliciesFlagAndAlertTogether() {
        Policies.Judgement j = policies.apply(checkpoint(1, 10, "s", broken, Prediction.none("no model")), RunState.empty());
        assertThat(j.flags()).containsExactly("nonfinite_weights", "dying_relu");
        assertThat(j.alerts()).extracting(Alert::kind).containsExactly(Alert.NONFINITE_WEIGHTS, Alert.DYING_RELU);
        assertThat(j.run().raisedAt(Alert.DYING_RELU)).isEqualTo(0.9);
    }

    @Test
    void aFinishedRunScoredLateStillGetsWeightHealthAlertsButNoEarlyStop() {
        RunState finished = RunState.empty().apply(RunEvent.finished("run", "s", Map.of("test_accuracy", 0.5)), 1L);
        Policies.Judgement j = policies.apply(checkpoint(1, 10, "s", broken, Prediction.none("no model")), finished);
        assertThat(j.flags()).contains("nonfinite_weights");
        assertThat(j.alerts()).extracting(Alert::kind).containsExactly(Alert.NONFINITE_WEIGHTS, Alert.DYING_RELU);

        // a run whose interval lies far below its study's reference: a candidate while running, not once finished
        Prediction low = PolicyFixtures.predicted(0.1, 0.01, PolicyFixtures.model(1, Map.of("s", 0.9)));
        Policies.Judgement running = policies.apply(checkpoint(9, 10, "s", PolicyFixtures.healthy(), low),
                policies.apply(checkpoint(8, 10, "s", PolicyFixtures.healthy(), low), RunState.empty()).run());
        assertThat(running.alerts()).extracting(Alert::kind).contains(Alert.EARLY_STOP_CANDIDATE);
        RunState streak = policies.apply(checkpoint(8, 10, "s", PolicyFixtures.healthy(), low), finished).run();
        assertThat(policies.apply(checkpoint(9, 10, "s", PolicyFixtures.healthy(), low), streak).alerts()).isEmpty();
    }

    @Test
    void alertKindsAreChosenBySettingAndSpectralCollapseIsOffByDefault() {
        assertThat(ScorerConfig.defaults().alerts()).containsExactlyInAnyOrder(Alert.EARLY_STOP_CANDIDATE, Alert.DYING_RELU,
                Alert.NONFINITE_WEIGHTS);
        assertThat(Policies.from(ScorerConfig.defaults()).raises(Alert.SPECTRAL_COLLAPSE)).isFalse();
        ScorerConfig c = ScorerConfig.from(io.weightcast.core.config.Settings.of(Map.of("scorer.alerts", " spectral_collapse, DYING_RELU")));
        assertThat(c.alerts()).containsExactlyInAnyOrder(Alert.SPECTRAL_COLLAPSE, Alert.DYING_RELU);
        Policies.Judgement j = Policies.from(c).apply(checkpoint(1, 10, "s", broken, Prediction.none("no model")), RunState.empty());
        assertThat(j.flags()).as("an alert that is off still flags").containsExactly("nonfinite_weights", "dying_relu");
        assertThat(j.alerts()).extracting(Alert::kind).containsExactly(Alert.DYING_RELU);
        assertThat(ScorerConfig.from(io.weightcast.core.config.Settings.of(Map.of("scorer.alerts", ""))).alerts()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScorerConfig.from(io.weightcast.core.config.Settings.of(
                Map.of("scorer.alerts", "DYING_RELU,LOW_ACCURACY")))).hasMessageContaining("LOW_ACCURACY");
    }

    @Test
    void settingsReachThePolicies() {
        ScorerConfig c = ScorerConfig.from(io.weightcast.core.config.Settings.of(Map.of(
                "scorer.dying.relu.threshold", "0.95", "scorer.early.stop.threshold", "0.6",
                "scorer.early.stop.consecutive", "3", "scorer.early.stop.min.step.fraction", "0.25")));
        assertThat(c).isEqualTo(new ScorerConfig(0.95, 0.6, 3, 0.25));
        assertThat(ScorerConfig.from(io.weightcast.core.config.Settings.of(Map.of("scorer.early.stop.rule", "top_run",
                "scorer.early.stop.interval.level", "0.8"))).earlyStopRule()).isEqualTo(ScorerConfig.TOP_RUN_RULE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScorerConfig.from(io.weightcast.core.config.Settings.of(
                Map.of("scorer.early.stop.rule", "median")))).hasMessageContaining("scorer.early.stop.rule");
        assertThat(ScorerConfig.from(io.weightcast.core.config.Settings.of(Map.of()))).isEqualTo(ScorerConfig.defaults());
        Policies.Judgement j = Policies.from(c).apply(checkpoint(1, 10, "s", broken, Prediction.none("x")), RunState.empty());
        assertThat(j.flags()).as("0.9 dead is below a 0.95 threshold").doesNotContain("dying_relu");
    }
}
