package io.weightcast.app.live;

import io.weightcast.core.model.RegressionMetrics;

/**
 * How well one epoch's predictions of the live runs' final test accuracy did.
 *
 * @param runs       live runs with a prediction at this epoch (the metrics' sample)
 * @param coverage80 share of those runs whose final accuracy lies in the 80% interval; null when not measured
 */
public record EpochQuality(int epoch, int runs, double r2, double kendallTau, double mae, Double coverage80,
                           Double coverage95) {

    /**
     * @param y    final test accuracies
     * @param pred predictions of them
     * @param in80 per run whether y lay in its 80% interval (null: no intervals measured)
     */
    public static EpochQuality of(int epoch, double[] y, double[] pred, boolean[] in80, boolean[] in95) {
        return new EpochQuality(epoch, y.length, y.length < 2 ? Double.NaN : RegressionMetrics.r2(y, pred),
                y.length < 2 ? Double.NaN : RegressionMetrics.kendallTau(pred, y),
                y.length == 0 ? Double.NaN : RegressionMetrics.mae(y, pred), share(in80), share(in95));
    }

    private static Double share(boolean[] b) {
        if (b == null || b.length == 0) {
            return null;
        }
        int n = 0;
        for (boolean x : b) {
            n += x ? 1 : 0;
        }
        return (double) n / b.length;
    }
}
