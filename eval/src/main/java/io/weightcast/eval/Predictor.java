package io.weightcast.eval;

import io.weightcast.core.model.ChanceFloorModel;
import io.weightcast.core.records.ChanceFloor;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A fitted final-accuracy predictor for one feature set: one model, or one per epoch, and core's
 * chance floor ({@link ChanceFloorModel}, fitted on the same rows as the trainer fits it) when the
 * training runs show a chance level.
 */
public final class Predictor implements AutoCloseable {
    private final ModelMode mode;
    private final List<GbmModel> models;
    private final ChanceFloorModel floor; // null: no chance level in the training runs

    private Predictor(ModelMode mode, List<GbmModel> models, ChanceFloorModel floor) {
        this.mode = mode;
        this.models = models;
        this.floor = floor;
    }

    /** Fits on every checkpoint of {@code runs} (feature columns {@code columns}). */
    public static Predictor fit(List<EvalRun> runs, int[] columns, TunedModel tuned, int epochs, int threads, long seed) {
        List<GbmModel> models = new ArrayList<>();
        try {
            if (tuned.mode() == ModelMode.POOLED) {
                models.add(GbmModel.fit(Rows.of(runs, columns), tuned.params().withIterations(tuned.iterations(1)),
                        "regression", threads, seed));
            } else {
                for (int e = 1; e <= epochs; e++) {
                    models.add(GbmModel.fit(Rows.of(runs, columns, e), tuned.params().withIterations(tuned.iterations(e)),
                            "regression", threads, seed));
                }
            }
            return new Predictor(tuned.mode(), models, chanceFloor(runs, columns, threads, seed));
        } catch (RuntimeException e) {
            models.forEach(GbmModel::close);
            throw e;
        }
    }

    private static ChanceFloorModel chanceFloor(List<EvalRun> runs, int[] columns, int threads, long seed) {
        double[] finals = runs.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        OptionalDouble level = ChanceFloorModel.level(finals);
        if (level.isEmpty()) {
            return null;
        }
        Rows rows = Rows.of(runs, columns);
        ChanceFloor f = ChanceFloorModel.fit(new io.weightcast.core.model.FeatureMatrix(rows.matrix(), rows.rows(), rows.cols(), null),
                rows.targets(), level.getAsDouble(), ChanceFloorModel.runsAt(finals, level.getAsDouble()), threads, seed);
        return f == null ? null : ChanceFloorModel.load(f, columns.length);
    }

    /** The chance floor's level, or NaN without one. */
    public double chanceLevel() {
        return floor == null ? Double.NaN : floor.floor().level();
    }

    /** Predicted final accuracy per row, clipped to [0, 1]; the chance level where the floor says so. */
    public double[] predict(Rows rows) {
        return applyFloor(rows, regress(rows));
    }

    /** {@code predictions} (one per row of {@code rows}) with this predictor's chance floor applied, in place. */
    public double[] applyFloor(Rows rows, double[] predictions) {
        return floor == null ? predictions : floor.apply(rows.matrix(), rows.rows(), predictions);
    }

    private double[] regress(Rows rows) {
        if (mode == ModelMode.POOLED) {
            return models.get(0).predictAccuracy(rows);
        }
        double[] out = new double[rows.rows()];
        for (int e = 1; e <= models.size(); e++) {
            double[] p = models.get(e - 1).predictAccuracy(rows);
            for (int i = 0; i < out.length; i++) {
                if (rows.epoch()[i] == e) {
                    out[i] = p[i];
                }
            }
        }
        return out;
    }

    /** Gain importance per column, summed over the models. */
    public double[] importance() {
        double[] sum = null;
        for (GbmModel m : models) {
            double[] imp = m.importance();
            if (sum == null) {
                sum = imp.clone();
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += imp[i];
                }
            }
        }
        return sum;
    }

    @Override
    public void close() {
        models.forEach(GbmModel::close);
        if (floor != null) {
            floor.close();
        }
    }
}
