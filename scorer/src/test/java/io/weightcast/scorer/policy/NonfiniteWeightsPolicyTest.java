package io.weightcast.scorer.policy;

import static io.weightcast.scorer.policy.PolicyFixtures.checkpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NonfiniteWeightsPolicyTest {
    private final NonfiniteWeightsPolicy policy = new NonfiniteWeightsPolicy();
    private final Prediction none = Prediction.none("no model");

    private static Health nonfinite(long count) {
        return new Health(count, List.of("fc1.weight"), Map.of());
    }

    @Test
    void finiteWeightsAreQuiet() {
        Outcome o = policy.apply(checkpoint(1, 10, "s", PolicyFixtures.healthy(), none), RunState.empty());
        assertThat(o.flag()).isNull();
        assertThat(o.alert()).isNull();
    }

    @Test
    void nonfiniteWeightsAreCriticalWithTheirEvidence() {
        Outcome o = policy.apply(checkpoint(3, 10, "s", nonfinite(7), none), RunState.empty());
        assertThat(o.flag()).isEqualTo("nonfinite_weights");
        assertThat(o.alert().kind()).isEqualTo(Alert.NONFINITE_WEIGHTS);
        assertThat(o.alert().severity()).isEqualTo("critical");
        assertThat(o.alert().evidence()).containsEntry("nonfinite_values", 7L).containsEntry("tensors", List.of("fc1.weight"));
        assertThat(o.alert().raisedAt()).isEqualTo(PolicyFixtures.NOW);
        assertThat(o.alert().study()).isEqualTo("s");
    }

    @Test
    void raisedOnceUnlessMoreValuesTurnNonfinite() {
        Outcome first = policy.apply(checkpoint(3, 10, "s", nonfinite(7), none), RunState.empty());
        Outcome same = policy.apply(checkpoint(4, 10, "s", nonfinite(7), none), first.run());
        assertThat(same.flag()).isEqualTo("nonfinite_weights");
        assertThat(same.alert()).isNull();
        Outcome worse = policy.apply(checkpoint(5, 10, "s", nonfinite(70), none), same.run());
        assertThat(worse.alert()).isNotNull();
        assertThat(worse.alert().evidence()).containsEntry("nonfinite_values", 70L);
    }
}
