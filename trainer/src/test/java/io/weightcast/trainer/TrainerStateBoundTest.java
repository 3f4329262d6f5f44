package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.RunEvent;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (bounded state): what the trainer holds per run (the zoo's vectors, the unfinished runs, the dying-ReLU
 * labels) stays within its bounds however many runs pass through, and the heap with it.
 */
class TrainerStateBoundTest {
    private static final int MAX_MEMBERS = 1_000;
    private static final int MAX_UNFINISHED = 100;

    private final ZooState zoo = new ZooState(MAX_MEMBERS, MAX_UNFINISHED);
    private final DyingReluTrainer dyingRelu = new DyingReluTrainer(FitParams.defaults(), new PrometheusRegistry(),
            MAX_MEMBERS + MAX_UNFINISHED);

    @Test
    void aHundredThousandShortRunsLeaveTheHeapFlat() {
        for (int i = 0; i < 20_000; i++) {
            shortRun("warm-" + i, i % 10 == 0);
        }
        long before = usedHeapAfterGc();
        for (int i = 0; i < 100_000; i++) {
            shortRun("run-" + i, i % 10 == 0);
        }
        long after = usedHeapAfterGc();

        assertThat(zoo.zooSize()).isEqualTo(MAX_MEMBERS);
        assertThat(zoo.runsSeen()).isLessThanOrEqualTo(MAX_MEMBERS + MAX_UNFINISHED);
        assertThat(dyingRelu.labelledRuns()).isEqualTo(MAX_MEMBERS + MAX_UNFINISHED);
        assertThat(dyingRelu.labelledCheckpoints()).isEqualTo(3 * (MAX_MEMBERS + MAX_UNFINISHED));
        // unbounded, 120k runs × 3 vectors of the full layout and their labels are hundreds of MB
        assertThat(after - before).as("heap growth over 100k runs (bytes)").isLessThan(32L << 20);
    }

    @Test
    void theNewestLabelsAreKept() {
        DeadUnitLabels labels = new DeadUnitLabels(2);
        for (String run : new String[] {"a", "b", "c"}) {
            labels.add(metrics(run, 1), run);
        }
        assertThat(labels.runs()).isEqualTo(2);
        assertThat(labels.size()).isEqualTo(2);
        assertThat(labels.label("a", 1)).isNull();
        assertThat(labels.label("c", 1)).isTrue();
    }

    /** Three checkpoints, each with a measured dead fraction (every tenth run crashes before finishing). */
    private void shortRun(String run, boolean crashes) {
        for (int step = 1; step <= 3; step++) {
            FeatureVector fv = vector(run, step);
            zoo.addFeatures(fv, run);
            dyingRelu.addFeatures(fv);
            RunEvent m = metrics(run, step);
            zoo.addRunEvent(m, run);
            dyingRelu.addRunEvent(m, run);
        }
        if (!crashes) {
            RunEvent done = RunEvent.finished(run, "s", Map.of("test_accuracy", 0.5));
            zoo.addRunEvent(done, run);
            dyingRelu.addRunEvent(done, run);
        }
    }

    private static FeatureVector vector(String run, long step) {
        double[] v = new double[FeatureLayout.size()];
        Arrays.fill(v, step);
        return new FeatureVector(run, step, 3, null, "relu", FeatureLayout.VERSION, v, null, 0L, 0L);
    }

    private static RunEvent metrics(String run, long step) {
        return new RunEvent(RunEvent.METRICS, run, "s", null, null, step, Map.of("dead_fraction/fc1", 0.6), null, 0L);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
