package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZooStateTest {
    private static FeatureVector fv(String run, long step, double fill, int layout) {
        double[] v = new double[FeatureLayout.size()];
        Arrays.fill(v, fill);
        return new FeatureVector(run, step, 18, null, "relu", layout, v, null, 0L, 0L);
    }

    /**
     * Issue 21 (bounded state): the zoo held every run ever, and a crashed run's vectors for good. Past the bounds the
     * least recently updated member goes, and the least recently updated unfinished run; a run still training stays.
     */
    @Test
    void membersAndUnfinishedRunsAreBoundedNewestKept() {
        ZooState zoo = new ZooState(100, 10);
        zoo.addFeatures(fv("training", 1, 0.0, FeatureLayout.VERSION), "training");
        for (int i = 0; i < 10_000; i++) {
            String run = String.format("run-%05d", i);
            for (int step = 1; step <= 3; step++) {
                zoo.addFeatures(fv(run, step, i, FeatureLayout.VERSION), run);
            }
            zoo.addRunEvent(RunEvent.finished(run, "s", Map.of("test_accuracy", 0.5)), run);
            if (i % 50 == 0) {
                String crashed = "crashed-" + i;
                zoo.addFeatures(fv(crashed, 1, 0.0, FeatureLayout.VERSION), crashed); // never finishes
                zoo.addFeatures(fv("training", i + 2, 0.0, FeatureLayout.VERSION), "training");
            }
        }
        assertThat(zoo.zooSize()).isEqualTo(100);
        assertThat(zoo.zooRunIds()).hasSize(100).first().isEqualTo("run-09900");
        assertThat(zoo.zooRuns()).allSatisfy(r -> assertThat(r.checkpoints()).hasSize(3));
        // unfinished: the long run, and the newest crashed runs in what the run in progress leaves of the 10 places
        assertThat(zoo.runsSeen()).isEqualTo(100 + 1 + 8);
        assertThat(zoo.featureVectors()).isEqualTo(100 * 3 + 8 + (1 + 200));
        assertThat(zoo.evicted()).isEqualTo((10_000 - 100) + (200 - 8));
    }

    @Test
    void aRunJoinsTheZooWhenFinishedAndHasFeaturesInEitherOrder() {
        ZooState zoo = new ZooState();
        zoo.addRunEvent(RunEvent.finished("a", "s1", Map.of("test_accuracy", 0.9)), "a");
        assertThat(zoo.zooSize()).isZero();
        zoo.addFeatures(fv("a", 1, 0.0, FeatureLayout.VERSION), "a");
        assertThat(zoo.zooSize()).isEqualTo(1);

        zoo.addFeatures(fv("b", 1, 0.0, FeatureLayout.VERSION), "b");
        assertThat(zoo.zooSize()).isEqualTo(1);
        zoo.addRunEvent(RunEvent.started("b", "s2", Map.of(), 18), "b");
        assertThat(zoo.zooSize()).isEqualTo(1);
        zoo.addRunEvent(RunEvent.finished("b", null, Map.of("test_accuracy", 0.4)), "b");
        assertThat(zoo.zooSize()).isEqualTo(2);
        assertThat(zoo.zooRuns()).extracting(ZooRun::runId, ZooRun::study, ZooRun::finalAccuracy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "s1", 0.9),
                        org.assertj.core.groups.Tuple.tuple("b", "s2", 0.4));
    }

    @Test
    void theLatestVectorForAStepWinsAndStepsAreOrdered() {
        ZooState zoo = new ZooState();
        zoo.addFeatures(fv("a", 3, 3.0, FeatureLayout.VERSION), "a");
        zoo.addFeatures(fv("a", 1, 1.0, FeatureLayout.VERSION), "a");
        zoo.addFeatures(fv("a", 3, 33.0, FeatureLayout.VERSION), "a");
        zoo.addRunEvent(RunEvent.finished("a", null, Map.of("test_accuracy", 0.5)), "a");
        assertThat(zoo.featureVectors()).isEqualTo(2);
        ZooRun run = zoo.zooRuns().get(0);
        assertThat(run.checkpoints()).extracting(ZooRun.Checkpoint::step).containsExactly(1L, 3L);
        assertThat(run.last().values()[0]).isEqualTo(33.0);
    }

    @Test
    void unusableRecordsAreRejectedWithAReason() {
        ZooState zoo = new ZooState();
        assertThatThrownBy(() -> zoo.addFeatures(fv("a", 1, 0, FeatureLayout.VERSION + 1), "a"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("layout version");
        assertThatThrownBy(() -> zoo.addFeatures(fv("a", 1, 0, FeatureLayout.VERSION), "b"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("differs from record key");
        FeatureVector shortVector = new FeatureVector("a", 1, 18, null, null, FeatureLayout.VERSION, new double[3], null, 0, 0);
        assertThatThrownBy(() -> zoo.addFeatures(shortVector, "a"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("3 values");
        assertThatThrownBy(() -> zoo.addRunEvent(RunEvent.finished("a", null, Map.of("train_accuracy", 0.5)), "a"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("test_accuracy");
        assertThat(zoo.runsSeen()).isZero();
        assertThat(zoo.featureVectors()).isZero();
    }

    @Test
    void theKeyNamesARunWhoseValueDoesNot() {
        ZooState zoo = new ZooState();
        zoo.addFeatures(fv(null, 1, 0, FeatureLayout.VERSION), "k");
        zoo.addRunEvent(RunEvent.finished(null, null, Map.of("test_accuracy", 0.7)), "k");
        assertThat(zoo.zooRuns()).extracting(ZooRun::runId).containsExactly("k");
        assertThatThrownBy(() -> zoo.addFeatures(fv(null, 1, 0, FeatureLayout.VERSION), null))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("no run id");
    }
}
