package io.weightcast.eval.ssl;

import io.weightcast.eval.RunEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSL evaluation's pure parts: the ridge solver, the s(W) columns, the final train accuracy. */
class SslPartsTest {
    @TempDir
    Path dir;

    @Test
    void ridgeRecoversALinearFunctionOfManyColumnsForSeveralTargetsAtOnce() {
        Random rnd = new Random(3);
        int d = 40;
        double[] a = new double[d];
        double[] b = new double[d];
        for (int j = 0; j < d; j++) {
            a[j] = rnd.nextGaussian();
            b[j] = j % 5 == 0 ? 2.0 : 0.0;
        }
        float[][] x = rows(rnd, 400, d);
        float[][] vx = rows(rnd, 100, d);
        List<RidgeRegression.Model> models = RidgeRegression.fit(x, new double[][] {target(x, a, 3.0, rnd), target(x, b, -1.0, rnd)},
                vx, new double[][] {target(vx, a, 3.0, rnd), target(vx, b, -1.0, rnd)}, RidgeRegression.LAMBDAS, 200, 2);
        assertThat(models).hasSize(2);
        for (int j = 0; j < d; j++) {
            assertThat(models.get(0).coef()[j]).isCloseTo(a[j], within(0.05));
            assertThat(models.get(1).coef()[j]).isCloseTo(b[j], within(0.05));
        }
        assertThat(models.get(0).intercept()).isCloseTo(3.0, within(0.1));
        assertThat(models.get(1).intercept()).isCloseTo(-1.0, within(0.1));
        assertThat(models.get(0).lambda()).as("little noise: the smallest penalties win").isLessThanOrEqualTo(0.01);
        assertThat(models.get(0).validationMse()).isLessThan(0.01);
    }

    @Test
    void ridgeShrinksWhenTheColumnsAreNoise() {
        Random rnd = new Random(4);
        float[][] x = rows(rnd, 60, 200);
        float[][] vx = rows(rnd, 60, 200);
        double[] y = new double[60];
        double[] vy = new double[60];
        for (int i = 0; i < 60; i++) {
            y[i] = rnd.nextGaussian();
            vy[i] = rnd.nextGaussian();
        }
        RidgeRegression.Model m = RidgeRegression.fit(x, new double[][] {y}, vx, new double[][] {vy}, RidgeRegression.LAMBDAS,
                100, 1).get(0);
        assertThat(m.lambda()).as("more columns than rows, no signal: a heavy penalty").isGreaterThanOrEqualTo(10.0);
    }

    @Test
    void statisticsAreTheSeventyWeightStatisticColumnsWithoutStepOrMetrics() {
        List<String> names = FeatureLayout.names();
        int[] cols = SslInput.statisticsColumns();
        assertThat(cols).hasSize(14 * FeatureLayout.AGGREGATES.size());
        for (int c : cols) {
            String n = names.get(c);
            assertThat(n).matches("(kernel|bias)_(mean|std|p0|p25|p50|p75|p100)_(first|last|mean|min|max)");
        }
    }

    @Test
    void theFinishedEventsTrainAccuracyIsRead() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, """
                {"type":"started","run_id":"r","study":"digits","hparams":{"activation":"relu"},"planned_steps":1}
                {"type":"metrics","run_id":"r","step":1,"metrics":{"val_acc":0.5}}
                {"type":"finished","run_id":"r","final":{"test_accuracy":0.8,"train_accuracy":0.95}}
                """);
        RunEvents e = RunEvents.read(events, 1);
        assertThat(e.finalTrainAccuracy()).isEqualTo(0.95);
        Files.writeString(events, """
                {"type":"finished","run_id":"r","final":{"test_accuracy":0.8}}
                """);
        assertThat(RunEvents.read(events, 1).finalTrainAccuracy()).isNaN();
    }

    private static float[][] rows(Random rnd, int n, int d) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) (rnd.nextGaussian() * (1 + j % 3) + j % 7);
            }
        }
        return x;
    }

    private static double[] target(float[][] x, double[] w, double intercept, Random rnd) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = intercept + 0.01 * rnd.nextGaussian();
            for (int j = 0; j < w.length; j++) {
                y[i] += w[j] * x[i][j];
            }
        }
        return y;
    }
}
