package io.weightcast.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weightcast.core.records.ChanceFloor;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChanceFloorModelTest {

    @Test
    void theLevelIsTheModalLowFinalAccuracyWhenEnoughRunsEndThere() {
        double[] zoo = new double[40];
        for (int i = 0; i < zoo.length; i++) {
            zoo[i] = i < 12 ? 36.0 / 360 : 0.5 + 0.01 * i; // 12 collapsed runs at exactly 0.1
        }
        assertEquals(0.1, ChanceFloorModel.level(zoo).getAsDouble(), 1e-12);
        assertEquals(12, ChanceFloorModel.runsAt(zoo, 0.1));

        double[] fewAtChance = zoo.clone();
        for (int i = 4; i < 12; i++) {
            fewAtChance[i] = 0.2 + 0.001 * i; // only 4 left at 0.1: below MIN_RUNS
        }
        assertTrue(ChanceFloorModel.level(fewAtChance).isEmpty());

        double[] highMode = new double[40];
        for (int i = 0; i < highMode.length; i++) {
            highMode[i] = i < 20 ? 0.9 : 0.3 + 0.01 * i; // a mode, but far above any chance level
        }
        assertTrue(ChanceFloorModel.level(highMode).isEmpty());
        assertTrue(ChanceFloorModel.level(new double[0]).isEmpty());
    }

    @Test
    void collapsedRowsGetExactlyTheLevelAndTheRestKeepTheRegressorsValue() {
        Random rnd = new Random(5);
        int rows = 600;
        int cols = 3;
        double[] x = new double[rows * cols];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            boolean collapsed = i % 3 == 0;
            x[i * cols] = collapsed ? 1 : 0;          // what the weights say (e.g. a dead last layer)
            x[i * cols + 1] = rnd.nextGaussian();
            x[i * cols + 2] = rnd.nextGaussian();
            y[i] = collapsed ? 0.1 : 0.5 + 0.4 * rnd.nextDouble();
        }
        ChanceFloor floor = ChanceFloorModel.fit(new FeatureMatrix(x, rows, cols, null), y, 0.1, 200, 1, 3);
        assertEquals(0.1, floor.level());
        assertEquals(200, floor.trainingRuns());
        double[] pred = new double[rows];
        java.util.Arrays.fill(pred, 0.42);
        try (ChanceFloorModel model = ChanceFloorModel.load(floor, cols)) {
            model.apply(x, rows, pred);
        }
        for (int i = 0; i < rows; i++) {
            assertEquals(i % 3 == 0 ? 0.1 : 0.42, pred[i], "row " + i);
        }
        assertNull(ChanceFloorModel.fit(new FeatureMatrix(x, rows, cols, null), new double[rows], 0.1, 0, 1, 3), "all rows at 0.0: one class");
    }

    @Test
    void aModelVersionCarriesItsFloorThroughJson() {
        ChanceFloor floor = new ChanceFloor(0.1, 0.5, "tree\nversion=v4\n", 7);
        ModelVersion mv = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(3).layoutVersion(2)
                .featureNames(List.of("a")).modelText("text").trainingRuns(1).trainingRows(2).residualQuantiles(Map.of())
                .studyReferences(Map.of()).ablations(Map.of()).chanceFloor(floor).build();
        String json = new String(Json.bytes(mv), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"chance_floor\":{\"level\":0.1"), json);
        assertEquals(mv, Json.read(Json.bytes(mv), ModelVersion.class));
        ModelVersion old = Json.read(json.replaceAll(",\"chance_floor\":\\{[^}]*}", "").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                ModelVersion.class);
        assertNull(old.chanceFloor(), "versions published before the floor still read");
    }
}
