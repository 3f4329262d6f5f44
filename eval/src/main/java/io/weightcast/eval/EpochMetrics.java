package io.weightcast.eval;

import io.weightcast.core.model.RegressionMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/** R², MAE and Kendall's τ of held-out runs' predictions at one epoch (core's RegressionMetrics). */
public record EpochMetrics(int epoch, int runs, double r2, double mae, double kendallTau) {

    public static EpochMetrics of(int epoch, double[] y, double[] pred) {
        return new EpochMetrics(epoch, y.length, RegressionMetrics.r2(y, pred), RegressionMetrics.mae(y, pred),
                RegressionMetrics.kendallTau(y, pred));
    }

    /** Per epoch 1..E from [run][epoch-1] predictions and per-run targets. */
    public static EpochMetrics[] byEpoch(double[] y, double[][] pred) {
        int epochs = pred.length == 0 ? 0 : pred[0].length;
        EpochMetrics[] out = new EpochMetrics[epochs];
        for (int e = 0; e < epochs; e++) {
            double[] p = new double[y.length];
            for (int r = 0; r < y.length; r++) {
                p[r] = pred[r][e];
            }
            out[e] = of(e + 1, y, p);
        }
        return out;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("r2", r2);
        m.put("kendall_tau", kendallTau);
        m.put("mae", mae);
        return m;
    }
}
