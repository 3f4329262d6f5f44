package io.weightcast.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.StageModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The late-stage regressor serves the checkpoints at or past its step fraction; the pooled one the rest. */
class AccuracyModelTest {
    private static final List<String> NAMES = List.of("x", "step_fraction");

    /** A regressor of (x, step_fraction) that learned {@code y} everywhere (LightGBM starts from the mean). */
    private static String constant(double y) throws Exception {
        int rows = 50;
        double[] x = new double[rows * 2];
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i / (double) rows;
            labels[i] = (float) y;
        }
        String params = "objective=regression num_iterations=1 min_data_in_leaf=1 verbose=-1";
        try (LGBMDataset data = LGBMDataset.createFromMat(x, rows, 2, true, params, null)) {
            data.setField("label", labels);
            try (LGBMBooster booster = LGBMBooster.create(data, params)) {
                booster.updateOneIter();
                return booster.saveModelToString(0, 0, LGBMBooster.FeatureImportanceType.SPLIT);
            }
        }
    }

    @Test
    void lateCheckpointsGetTheLateStageRegressorsPrediction() throws Exception {
        ModelVersion pooled = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(1).layoutVersion(4)
                .featureNames(NAMES).modelText(constant(0.2)).trainingRuns(10).trainingRows(100)
                .residualQuantiles(Map.of("0.8", 0.1)).studyReferences(Map.of()).build();
        ModelVersion staged = pooled.withStageModels(List.of(new StageModel(0.75, constant(0.9))));
        double[] rows = {1, 0.5, 2, 0.75, 3, 1.0, 4, Double.NaN};
        try (AccuracyModel one = AccuracyModel.load(pooled); AccuracyModel two = AccuracyModel.load(staged)) {
            double[] p = two.predict(rows, 4);
            assertThat(p[0]).isCloseTo(0.2, within(1e-6));
            assertThat(p[1]).isCloseTo(0.9, within(1e-6));
            assertThat(p[2]).isCloseTo(0.9, within(1e-6));
            assertThat(p[3]).as("unknown stage: the pooled model").isCloseTo(0.2, within(1e-6));
            assertThat(two.predict(new double[] {5, 0.9})).isCloseTo(0.9, within(1e-6));
            assertThat(one.predict(rows, 4)).containsExactly(new double[] {0.2, 0.2, 0.2, 0.2}, within(1e-6));
        }
    }
}
