package io.weightcast.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DyingReluModelTest {
    private static final int DEAD = FeatureLayout.indexOf("dead_fraction_max");
    private static final int VAL_ACC = FeatureLayout.indexOf("metric_val_acc");

    @Test
    void labelComesFromTheWorstReportedDeadFraction() {
        assertTrue(DyingReluModel.label(Map.of("dead_fraction/conv1", 0.1, "dead_fraction/conv3", 0.5, "val_acc", 0.9)));
        assertFalse(DyingReluModel.label(Map.of("dead_fraction/conv1", 0.49, "train_loss", 3.0)));
        assertNull(DyingReluModel.label(Map.of("val_acc", 0.9)), "nothing measured: no ground truth");
        assertNull(DyingReluModel.label(Map.of("dead_fraction/conv1", Double.NaN)));
        assertNull(DyingReluModel.label(null));
    }

    @Test
    void inputsAreTheWeightFeaturesOnly() {
        List<String> names = DyingReluModel.featureNames();
        assertTrue(names.contains("dead_fraction_max"));
        assertFalse(names.contains("metric_val_acc"), "a loop that reports nothing must still be judged");
        assertEquals(FeatureLayout.names().stream().filter(FeatureLayout::isWeightFeature).count(), names.size());
    }

    @Test
    void learnsASeparableSignalAndIgnoresReportedMetrics() {
        Random rnd = new Random(3);
        int rows = 400;
        int cols = FeatureLayout.size();
        double[] x = new double[rows * cols];
        boolean[] y = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] = rnd.nextGaussian();
            }
            y[i] = i % 2 == 0;
            x[i * cols + DEAD] = y[i] ? 0.6 + 0.3 * rnd.nextDouble() : 0.3 * rnd.nextDouble();
            x[i * cols + VAL_ACC] = y[i] ? 0.0 : 1.0; // a perfect reported signal the model must not see
        }
        String text = DyingReluModel.fit(x, y, 1, 7);
        ModelVersion mv = version(text, DyingReluModel.featureNames());
        try (DyingReluModel model = DyingReluModel.load(mv)) {
            double[] dying = new double[cols];
            dying[DEAD] = 0.8;
            double[] healthy = dying.clone();
            healthy[DEAD] = 0.1;
            assertTrue(DyingReluModel.fires(model.probability(dying)), "p=" + model.probability(dying));
            assertFalse(DyingReluModel.fires(model.probability(healthy)), "p=" + model.probability(healthy));
            double[] healthyByMetric = healthy.clone();
            healthyByMetric[VAL_ACC] = 0.0;
            assertEquals(model.probability(healthy), model.probability(healthyByMetric), 1e-12);
            double[] both = new double[2 * cols];
            System.arraycopy(dying, 0, both, 0, cols);
            System.arraycopy(healthy, 0, both, cols, cols);
            double[] p = model.probabilitiesOfLayoutRows(both, 2);
            assertEquals(model.probability(dying), p[0], 1e-12);
            assertEquals(model.probability(healthy), p[1], 1e-12);
        }
    }

    @Test
    void refusesOneClassAndForeignModels() {
        int cols = FeatureLayout.size();
        assertThrows(IllegalArgumentException.class, () -> DyingReluModel.fit(new double[3 * cols], new boolean[3], 1, 1));
        assertThrows(IllegalArgumentException.class, () -> DyingReluModel.load(ModelVersion.builder()
                .name(ModelVersion.ACCURACY_MODEL).version(1).layoutVersion(FeatureLayout.VERSION)
                .featureNames(DyingReluModel.featureNames()).modelText("x").build()));
        assertThrows(IllegalArgumentException.class, () -> DyingReluModel.load(version("tree", FeatureLayout.names())));
        assertThrows(IllegalArgumentException.class, () -> DyingReluModel.load(version("not a model", DyingReluModel.featureNames())));
    }

    private static ModelVersion version(String text, List<String> names) {
        return ModelVersion.builder().name(DyingReluModel.NAME).version(1).layoutVersion(FeatureLayout.VERSION)
                .featureNames(names).modelText(text).build();
    }
}
