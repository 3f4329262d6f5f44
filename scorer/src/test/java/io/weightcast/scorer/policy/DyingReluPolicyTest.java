package io.weightcast.scorer.policy;

import static io.weightcast.scorer.policy.PolicyFixtures.checkpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DyingReluPolicyTest {
    private final DyingReluPolicy policy = new DyingReluPolicy(0.5);
    private final Prediction none = Prediction.none("no model");

    private static Health dead(Map<String, Double> fractions) {
        return new Health(0, List.of(), fractions);
    }

    @Test
    void belowTheThresholdIsQuietAndNaNFractionsAreIgnored() {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("conv2", 0.49);
        f.put("conv3", Double.NaN);
        Outcome o = policy.apply(checkpoint(1, 10, "s", dead(f), none), RunState.empty());
        assertThat(o.flag()).isNull();
        assertThat(o.alert()).isNull();
        assertThat(policy.apply(checkpoint(1, 10, "s", new Health(0, List.of(), null), none), RunState.empty()).alert()).isNull();
    }

    @Test
    void theWorstLayerAtOrAboveTheThresholdIsAWarning() {
        Outcome o = policy.apply(checkpoint(2, 10, "s", dead(Map.of("conv2", 0.5, "conv3", 0.75)), none), RunState.empty());
        assertThat(o.flag()).isEqualTo("dying_relu");
        assertThat(o.alert().kind()).isEqualTo(Alert.DYING_RELU);
        assertThat(o.alert().severity()).isEqualTo("warning");
        assertThat(o.alert().evidence()).containsEntry("layer", "conv3").containsEntry("dead_fraction", 0.75);
        assertThat(o.run().raisedAt(Alert.DYING_RELU)).isEqualTo(0.75);
    }

    @Test
    void withTheClassifierLiveAHalfDeadLayerOnlyFlagsAndAnEntirelyDeadOneIsCritical() {
        DyingReluPolicy learned = new DyingReluPolicy(0.5, () -> true);
        Outcome half = learned.apply(checkpoint(2, 10, "s", dead(Map.of("conv3", 0.75)), none), RunState.empty());
        assertThat(half.flag()).isEqualTo("dying_relu");
        assertThat(half.alert()).as("the classifier, predicting how the run ends, decides the warning").isNull();
        assertThat(half.run().raisedAt(Alert.DYING_RELU)).isNull();
        Outcome all = learned.apply(checkpoint(3, 10, "s", dead(Map.of("conv3", 1.0)), none), half.run());
        assertThat(all.alert().severity()).isEqualTo("critical");
    }

    @Test
    void raisedOnceAsWarningAndOnceMoreAsCriticalWhenALayerIsEntirelyDead() {
        RunState run = policy.apply(checkpoint(2, 10, "s", dead(Map.of("conv3", 0.75)), none), RunState.empty()).run();
        Outcome same = policy.apply(checkpoint(3, 10, "s", dead(Map.of("conv3", 0.75)), none), run);
        Outcome better = policy.apply(checkpoint(4, 10, "s", dead(Map.of("conv3", 0.6)), none), same.run());
        Outcome worse = policy.apply(checkpoint(5, 10, "s", dead(Map.of("conv3", 0.8)), none), better.run());
        Outcome allDead = policy.apply(checkpoint(6, 10, "s", dead(Map.of("conv3", 1.0)), none), worse.run());
        Outcome stillDead = policy.apply(checkpoint(7, 10, "s", dead(Map.of("conv3", 1.0)), none), allDead.run());
        assertThat(same.alert()).isNull();
        assertThat(same.flag()).isEqualTo("dying_relu");
        assertThat(better.alert()).isNull();
        assertThat(worse.alert()).as("a wobble upwards is not news").isNull();
        assertThat(allDead.alert().severity()).isEqualTo("critical");
        assertThat(stillDead.alert()).isNull();
        assertThat(stillDead.flag()).isEqualTo("dying_relu");
    }

    @Test
    void aLayerDeadFromTheStartIsOneCriticalAlert() {
        Outcome first = policy.apply(checkpoint(1, 10, "s", dead(Map.of("conv3", 1.0)), none), RunState.empty());
        assertThat(first.alert().severity()).isEqualTo("critical");
        assertThat(policy.apply(checkpoint(2, 10, "s", dead(Map.of("conv3", 1.0)), none), first.run()).alert()).isNull();
    }
}
