package io.weightcast.scorer.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.DyingReluClassifier;
import io.weightcast.scorer.DyingReluModels;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import io.weightcast.scorer.ScorerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LearnedDyingReluPolicyTest {
    private static DyingReluClassifier classifier;

    @BeforeAll
    static void load() {
        classifier = new DyingReluClassifier();
        assertThat(classifier.offer(DyingReluModels.train(3))).isTrue();
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    private static Checkpoint checkpoint(FeatureVector fv) {
        return new Checkpoint(fv, fv.study(), fv.plannedSteps(), Prediction.none("none"), PolicyFixtures.NOW);
    }

    @Test
    void raisesOncePerRunWhenTheClassifierFires() {
        LearnedDyingReluPolicy policy = new LearnedDyingReluPolicy(classifier);
        Outcome healthy = policy.apply(checkpoint(DyingReluModels.vector("r", 1, "relu", false)), RunState.empty());
        assertThat(healthy.flag()).isNull();
        assertThat(healthy.alert()).isNull();

        Outcome first = policy.apply(checkpoint(DyingReluModels.vector("r", 2, "relu", true)), healthy.run());
        assertThat(first.flag()).isEqualTo(DyingReluPolicy.FLAG);
        assertThat(first.alert().kind()).isEqualTo(Alert.DYING_RELU);
        assertThat(first.alert().severity()).isEqualTo("warning");
        assertThat(first.alert().evidence()).containsEntry("signal", "classifier").containsEntry("classifier_version", 3);
        assertThat((Double) first.alert().evidence().get("probability")).isGreaterThanOrEqualTo(0.5);

        Outcome again = policy.apply(checkpoint(DyingReluModels.vector("r", 3, "relu", true)), first.run());
        assertThat(again.flag()).isEqualTo(DyingReluPolicy.FLAG);
        assertThat(again.alert()).as("once per run").isNull();
    }

    @Test
    void quietForOtherActivationsAndWithoutAClassifier() {
        Outcome tanh = new LearnedDyingReluPolicy(classifier).apply(checkpoint(DyingReluModels.vector("t", 1, "tanh", true)),
                RunState.empty());
        assertThat(tanh.flag()).isNull();
        try (DyingReluClassifier none = new DyingReluClassifier()) {
            Outcome o = new LearnedDyingReluPolicy(none).apply(checkpoint(DyingReluModels.vector("n", 1, "relu", true)),
                    RunState.empty());
            assertThat(o.flag()).isNull();
            assertThat(o.alert()).isNull();
        }
    }

    @Test
    void theWeightRuleStillEscalatesAndTheFlagAppearsOnce() {
        Policies policies = Policies.from(ScorerConfig.defaults(), classifier);
        Policies.Judgement first = policies.apply(checkpoint(DyingReluModels.vector("e", 1, "relu", true)), RunState.empty());
        assertThat(first.alerts()).extracting(Alert::kind).containsExactly(Alert.DYING_RELU);
        assertThat(first.flags()).containsOnlyOnce(DyingReluPolicy.FLAG);

        FeatureVector dead = DyingReluModels.vector("e", 2, "relu", true);
        FeatureVector entirelyDead = new FeatureVector(dead.runId(), 2, 4, dead.study(), "relu", dead.layoutVersion(), dead.values(),
                new Health(0, List.of(), Map.of("conv3", 1.0)), dead.checkpointTimestamp(), dead.computedAt());
        Policies.Judgement second = policies.apply(checkpoint(entirelyDead), first.run());
        assertThat(second.flags()).containsOnlyOnce(DyingReluPolicy.FLAG);
        assertThat(second.alerts()).singleElement().satisfies(a -> {
            assertThat(a.severity()).isEqualTo("critical");
            assertThat(a.evidence()).containsEntry("signal", "dead_fractions");
        });
    }
}
