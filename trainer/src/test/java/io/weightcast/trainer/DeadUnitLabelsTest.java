package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.RunEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadUnitLabelsTest {
    private static RunEvent metrics(String runId, long step, Map<String, Double> m) {
        return new RunEvent(RunEvent.METRICS, runId, null, null, null, step, m, null, 0L);
    }

    @Test
    void labelsMeasuredStepsOnly() {
        DeadUnitLabels labels = new DeadUnitLabels();
        labels.add(metrics("a", 1, Map.of("dead_fraction/conv1", 0.2)), "a");
        labels.add(metrics("a", 2, Map.of("dead_fraction/conv1", 0.2, "dead_fraction/conv3", 0.5)), "a");
        labels.add(metrics("a", 3, Map.of("val_acc", 0.5)), "a");
        labels.add(metrics(null, 1, Map.of("dead_fraction/conv2", 1.0)), "from-key");
        labels.add(RunEvent.finished("a", null, Map.of("test_accuracy", 0.5)), "a");

        assertThat(labels.label("a", 1)).isFalse();
        assertThat(labels.label("a", 2)).isTrue();
        assertThat(labels.label("a", 3)).as("nothing measured at step 3").isNull();
        assertThat(labels.label("from-key", 1)).isTrue();
        assertThat(labels.label("b", 1)).isNull();
        assertThat(labels.size()).isEqualTo(3);
    }

    @Test
    void aRepeatedStepReplacesItsLabel() {
        DeadUnitLabels labels = new DeadUnitLabels();
        labels.add(metrics("a", 1, Map.of("dead_fraction/conv1", 0.9)), "a");
        labels.add(metrics("a", 1, Map.of("dead_fraction/conv1", 0.1)), "a");
        assertThat(labels.label("a", 1)).isFalse();
        assertThat(labels.size()).isEqualTo(1);
    }

    @Test
    void labelsComeFromWhatTheCheckpointsMetadataMeasuredButNotFromTheWeightCriterion() {
        DeadUnitLabels labels = new DeadUnitLabels();
        labels.add(vector("a", 1, Map.of("conv3", 1.0), Map.of("conv3", 0.6)));
        labels.add(vector("a", 2, Map.of("conv3", 1.0), Map.of("conv3", 0.2)));
        labels.add(vector("a", 3, Map.of("conv3", 1.0), null)); // the weight criterion alone: no label
        assertThat(labels.label("a", 1)).isTrue();
        assertThat(labels.label("a", 2)).isFalse();
        assertThat(labels.label("a", 3)).isNull();
        assertThat(labels.size()).isEqualTo(2);
    }

    private static FeatureVector vector(String run, long step, Map<String, Double> dead, Map<String, Double> measured) {
        return new FeatureVector(run, step, 18, null, "relu", FeatureLayout.VERSION, new double[FeatureLayout.size()],
                new Health(0, List.of(), dead, null, measured), 0L, 0L);
    }
}
