package io.weightcast.eval;

import java.util.ArrayList;
import java.util.List;

/** A fitted final-accuracy predictor for one feature set: one model, or one per epoch. */
public final class Predictor implements AutoCloseable {
    private final ModelMode mode;
    private final List<GbmModel> models;

    private Predictor(ModelMode mode, List<GbmModel> models) {
        this.mode = mode;
        this.models = models;
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
            return new Predictor(tuned.mode(), models);
        } catch (RuntimeException e) {
            models.forEach(GbmModel::close);
            throw e;
        }
    }

    /** Predicted final accuracy per row, clipped to [0, 1]. */
    public double[] predict(Rows rows) {
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
    }
}
