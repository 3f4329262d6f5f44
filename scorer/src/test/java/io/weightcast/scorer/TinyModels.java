package io.weightcast.scorer;

import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * Test utility: a real LightGBM regressor fit on synthetic rows of the current feature layout, where the
 * target is a function of the reported validation accuracy (so tests can steer predictions).
 */
public final class TinyModels {
    public static final int VAL_ACC = FeatureLayout.indexOf("metric_val_acc");

    private TinyModels() {
    }

    /** A model whose prediction ≈ {@code target(val_acc)}, with ±0.05 (80%) and ±0.1 (95%) intervals. */
    public static ModelVersion train(int version, DoubleUnaryOperator target, Map<String, Double> studyReferences) {
        int rows = 400;
        int cols = FeatureLayout.size();
        Random random = new Random(version);
        double[] x = new double[rows * cols];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] = random.nextGaussian();
            }
            double valAcc = random.nextDouble();
            x[r * cols + VAL_ACC] = valAcc;
            y[r] = (float) target.applyAsDouble(valAcc);
        }
        String params = "objective=regression num_leaves=7 min_data_in_leaf=5 learning_rate=0.3 num_threads=1 verbose=-1 seed=1 deterministic=true";
        try (LGBMDataset data = LGBMDataset.createFromMat(x, rows, cols, true, "verbose=-1", null)) {
            data.setField("label", y);
            try (LGBMBooster booster = LGBMBooster.create(data, params)) {
                for (int i = 0; i < 40; i++) {
                    booster.updateOneIter();
                }
                String text = booster.saveModelToString(0, 0, LGBMBooster.FeatureImportanceType.SPLIT);
                return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(version)
                        .layoutVersion(FeatureLayout.VERSION).featureNames(FeatureLayout.names()).modelText(text)
                        .trainingRuns(rows / 10).trainingRows(rows).holdout(new HoldoutMetrics(0.9, 0.03, 0.8, 10, 40))
                        .residualQuantiles(Map.of("0.8", 0.05, "0.95", 0.1)).studyReferences(studyReferences)
                        .createdAt(System.currentTimeMillis()).build();
            }
        } catch (Exception e) {
            throw new IllegalStateException("training the test model failed", e);
        }
    }

    public static ModelVersion withLayout(ModelVersion m, int layoutVersion) {
        return ModelVersion.builder().name(m.name()).version(m.version()).layoutVersion(layoutVersion)
                .featureNames(m.featureNames()).modelText(m.modelText()).trainingRuns(m.trainingRuns())
                .trainingRows(m.trainingRows()).holdout(m.holdout()).residualQuantiles(m.residualQuantiles())
                .studyReferences(m.studyReferences()).createdAt(m.createdAt()).build();
    }

    /** A feature vector of the current layout with the given reported validation accuracy. */
    public static FeatureVector vector(String runId, long step, Integer planned, String study, double valAcc, Health health) {
        double[] values = new double[FeatureLayout.size()];
        values[VAL_ACC] = valAcc;
        return new FeatureVector(runId, step, planned, study, "relu", FeatureLayout.VERSION, values,
                health, System.currentTimeMillis() - 50, System.currentTimeMillis());
    }

    public static Health healthy() {
        return new Health(0, List.of(), Map.of("conv2", 0.0, "conv3", 0.1));
    }
}
