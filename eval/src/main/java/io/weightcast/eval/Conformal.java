package io.weightcast.eval;

/**
 * Split-conformal half-widths (per epoch): with n calibration residuals, the level-p interval
 * pred ± q where q is the ⌈(n+1)·p⌉-th smallest |residual| — the finite-sample quantile that makes
 * the coverage of an exchangeable new run at least p. Infinite when n is too small for the level.
 */
public final class Conformal {
    private Conformal() {
    }

    public static double quantile(double[] absResiduals, double level) {
        int n = absResiduals.length;
        int rank = (int) Math.ceil((n + 1) * level - 1e-9);
        if (n == 0 || rank > n) {
            return Double.POSITIVE_INFINITY;
        }
        double[] s = absResiduals.clone();
        java.util.Arrays.sort(s);
        return s[Math.max(1, rank) - 1];
    }

    /** Half-width per epoch (index epoch-1) from calibration rows: targets, predictions and epochs. */
    public static double[] perEpoch(double[] y, double[] pred, int[] epoch, int epochs, double level) {
        double[] q = new double[epochs];
        for (int e = 1; e <= epochs; e++) {
            int n = 0;
            for (int v : epoch) {
                n += v == e ? 1 : 0;
            }
            double[] res = new double[n];
            int k = 0;
            for (int i = 0; i < y.length; i++) {
                if (epoch[i] == e) {
                    res[k++] = Math.abs(y[i] - pred[i]);
                }
            }
            q[e - 1] = quantile(res, level);
        }
        return q;
    }

    public static double lower(double pred, double q) {
        return Math.max(0.0, pred - q);
    }

    public static double upper(double pred, double q) {
        return Math.min(1.0, pred + q);
    }
}
