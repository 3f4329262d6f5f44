package io.weightcast.scorer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Test utility: a real dying-ReLU classifier (core's {@link DyingReluModel#fit}) on synthetic rows
 * where "dying" shows as a negative {@code max_bias_min}, and feature vectors that do or do not.
 */
public final class DyingReluModels {
    static final int SIGNAL = FeatureLayout.indexOf("max_bias_min");

    private DyingReluModels() {
    }

    public static ModelVersion train(int version) {
        Random rnd = new Random(version);
        int rows = 300;
        int cols = FeatureLayout.size();
        double[] x = new double[rows * cols];
        boolean[] y = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i % 3 == 0;
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] = rnd.nextGaussian();
            }
            x[i * cols + SIGNAL] = (y[i] ? -1.0 : 1.0) + 0.2 * rnd.nextGaussian();
        }
        return ModelVersion.builder().name(DyingReluModel.NAME).version(version).layoutVersion(FeatureLayout.VERSION)
                .featureNames(DyingReluModel.featureNames()).modelText(DyingReluModel.fit(x, y, 1, version))
                .trainingRuns(30).trainingRows(rows).createdAt(System.currentTimeMillis()).build();
    }

    /** A vector whose weights look dying (or healthy); weight-criterion dead fractions stay low. */
    public static FeatureVector vector(String runId, long step, String activation, boolean dying) {
        double[] v = new double[FeatureLayout.size()];
        v[SIGNAL] = dying ? -1.0 : 1.0;
        return new FeatureVector(runId, step, 4, "relu-study", activation, FeatureLayout.VERSION, v,
                new Health(0, List.of(), Map.of("conv2", 0.0, "conv3", 0.1)), System.currentTimeMillis() - 50,
                System.currentTimeMillis());
    }
}
