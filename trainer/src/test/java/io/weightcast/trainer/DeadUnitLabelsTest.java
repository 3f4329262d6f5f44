package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.RunEvent;
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
}
