package io.weightcast.core.model;

/** R², MAE and Kendall's τ-b of predictions against targets. */
public final class RegressionMetrics {
    private RegressionMetrics() {
    }

    public static double r2(double[] y, double[] pred) {
        double mean = 0;
        for (double v : y) {
            mean += v;
        }
        mean /= y.length;
        double ssRes = 0;
        double ssTot = 0;
        for (int i = 0; i < y.length; i++) {
            ssRes += (y[i] - pred[i]) * (y[i] - pred[i]);
            ssTot += (y[i] - mean) * (y[i] - mean);
        }
        return ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot;
    }

    public static double mae(double[] y, double[] pred) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += Math.abs(y[i] - pred[i]);
        }
        return s / y.length;
    }

    /** Kendall's τ-b (ties handled as scipy.stats.kendalltau does); O(n²), fine for held-out sets. */
    public static double kendallTau(double[] x, double[] y) {
        long concordant = 0;
        long discordant = 0;
        long tiesX = 0;
        long tiesY = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                double dx = Math.signum(x[i] - x[j]);
                double dy = Math.signum(y[i] - y[j]);
                if (dx == 0 && dy == 0) {
                    continue;
                }
                if (dx == 0) {
                    tiesX++;
                } else if (dy == 0) {
                    tiesY++;
                } else if (dx == dy) {
                    concordant++;
                } else {
                    discordant++;
                }
            }
        }
        double denom = Math.sqrt((double) (concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denom == 0 ? Double.NaN : (concordant - discordant) / denom;
    }

    /** The q-quantile (0..1) of values, numpy-linear. */
    public static double quantile(double[] values, double q) {
        double[] s = values.clone();
        java.util.Arrays.sort(s);
        return io.weightcast.core.features.Percentiles.ofSorted(s, q * 100);
    }
}
