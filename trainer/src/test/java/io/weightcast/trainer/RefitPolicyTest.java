package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefitPolicyTest {
    private static ModelVersion model(int layout, int trainRuns, int holdoutRuns) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(3).layoutVersion(layout)
                .featureNames(List.of()).modelText("").trainingRuns(trainRuns).trainingRows(trainRuns * 18)
                .holdout(new HoldoutMetrics(0.8, 0.05, 0.7, holdoutRuns, holdoutRuns * 18)).build();
    }

    @Test
    void firstFitAtMinRunsThenEveryKNewRuns() {
        RefitPolicy p = new RefitPolicy(10, 5);
        p.resumeFrom(null);
        assertThat(p.due(9)).isFalse();
        assertThat(p.due(10)).isTrue();
        p.fitted(10);
        assertThat(p.due(10)).isFalse();
        assertThat(p.due(14)).isFalse();
        assertThat(p.due(15)).isTrue();
        p.fitted(17);
        assertThat(p.due(21)).isFalse();
        assertThat(p.due(22)).isTrue();
    }

    @Test
    void afterARestartTheCurrentModelsRunsAreTheBaseline() {
        RefitPolicy p = new RefitPolicy(10, 5);
        p.resumeFrom(model(FeatureLayout.VERSION, 22, 8));
        assertThat(p.baseline()).isEqualTo(30);
        assertThat(p.due(30)).isFalse();
        assertThat(p.due(34)).isFalse();
        assertThat(p.due(35)).isTrue();
    }

    @Test
    void aModelOfAnotherLayoutIsReplacedAtOnce() {
        RefitPolicy p = new RefitPolicy(10, 5);
        p.resumeFrom(model(FeatureLayout.VERSION + 1, 22, 8));
        assertThat(p.due(9)).isFalse();
        assertThat(p.due(12)).isTrue();
    }

    @Test
    void aFailedFitIsRetriedWhenTheZooGrowsNotOnTheSameData() {
        RefitPolicy p = new RefitPolicy(10, 5);
        p.failed(10);
        assertThat(p.due(10)).isFalse();
        assertThat(p.due(11)).isTrue();
        p.fitted(15);
        p.failed(20);
        assertThat(p.due(20)).isFalse();
        assertThat(p.due(21)).isTrue();
    }

    @Test
    void membersWhoseCheckpointsKeepArrivingMakeARefitDueOnceTheyGrewByATenth() {
        RefitPolicy p = new RefitPolicy(10, 5);
        p.resumeFrom(null);
        assertThat(p.due(100, 150)).isTrue(); // every label read at once, few of the runs' features yet
        p.fitted(100, 150);
        assertThat(p.due(100, 164)).isFalse();
        assertThat(p.due(100, 165)).isTrue();
        p.fitted(100, 1_800);
        assertThat(p.due(100, 1_979)).isFalse();
        assertThat(p.due(100, 1_980)).isTrue();
        p.resumeFrom(model(FeatureLayout.VERSION, 75, 25)); // 1,350 + 450 checkpoints
        assertThat(p.due(100, 1_800)).isFalse();
        assertThat(p.due(100, 1_980)).isTrue();
    }
}
