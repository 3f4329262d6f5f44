package io.weightcast.scorer.policy;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.scorer.Prediction;
import java.util.List;
import java.util.Map;

/** Checkpoints for policy tests: predictions are given directly (no model needed for pure rules). */
final class PolicyFixtures {
    static final long NOW = 1_700_000_000_000L;

    private PolicyFixtures() {
    }

    static ModelVersion model(int version, Map<String, Double> references) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(version)
                .layoutVersion(FeatureLayout.VERSION).featureNames(FeatureLayout.names()).modelText("unused")
                .trainingRuns(10).trainingRows(100).holdout(new HoldoutMetrics(0.9, 0.03, 0.8, 3, 30))
                .residualQuantiles(Map.of("0.8", 0.05)).studyReferences(references).createdAt(NOW).build();
    }

    static Prediction predicted(double value, double halfWidth, ModelVersion model) {
        Interval i = new Interval(0.8, value - halfWidth, value + halfWidth);
        return new Prediction(value, i, List.of(i), model, null);
    }

    static Checkpoint checkpoint(long step, Integer planned, String study, Health health, Prediction prediction) {
        FeatureVector fv = new FeatureVector("run", step, planned, study, "relu", FeatureLayout.VERSION,
                new double[FeatureLayout.size()], health, NOW - 100, NOW - 50);
        return new Checkpoint(fv, study, planned, prediction, NOW);
    }

    static Health healthy() {
        return new Health(0, List.of(), Map.of());
    }
}
